#include "distributed/distributed.h"

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <cstdlib>
#include <map>
#include <mutex>
#include <thread>
#include <torch/csrc/distributed/c10d/PrefixStore.hpp>
#include <torch/csrc/distributed/c10d/ProcessGroupGloo.hpp>
#include <torch/csrc/distributed/c10d/TCPStore.hpp>

namespace verdict::distributed {

namespace {

using Clock = std::chrono::steady_clock;

// A non-negative integer variable; std::nullopt when unset.
Result<std::optional<int>> IntVariable(const Environment& env, const std::string& name) {
  std::optional<std::string> text = env(name);
  if (!text) return std::optional<int>();
  std::optional<int64_t> value = ParseInt(TrimAscii(*text));
  if (!value || *value < 0 || *value > (1 << 30)) {
    return InvalidArgument("environment variable " + name + "=" + Quote(*text) +
                           " is not a non-negative integer");
  }
  return std::optional<int>(static_cast<int>(*value));
}

// One launcher's variable names; `local_size` may be empty (then every rank counts as local).
struct Convention {
  const char* launcher;
  const char* rank;
  const char* size;
  const char* local_rank;
  const char* local_size;
};

constexpr Convention kConventions[] = {
    {"torchrun", "RANK", "WORLD_SIZE", "LOCAL_RANK", "LOCAL_WORLD_SIZE"},
    {"mpirun", "OMPI_COMM_WORLD_RANK", "OMPI_COMM_WORLD_SIZE", "OMPI_COMM_WORLD_LOCAL_RANK",
     "OMPI_COMM_WORLD_LOCAL_SIZE"},
    {"mpirun", "PMI_RANK", "PMI_SIZE", "MPI_LOCALRANKID", "MPI_LOCALNRANKS"},
    {"srun", "SLURM_PROCID", "SLURM_NTASKS", "SLURM_LOCALID", "SLURM_NTASKS_PER_NODE"},
};

// SLURM_NTASKS_PER_NODE reads like "4" or "4(x2)"; the leading number is what counts.
std::optional<std::string> LeadingNumber(std::optional<std::string> text) {
  if (!text) return text;
  size_t end = 0;
  while (end < text->size() && std::isdigit(static_cast<unsigned char>((*text)[end]))) ++end;
  return end == 0 ? text : std::optional<std::string>(text->substr(0, end));
}

Result<Launch> FromConvention(const Convention& c, const Environment& env) {
  Launch launch;
  launch.launcher = c.launcher;
  VERDICT_ASSIGN_OR_RETURN(std::optional<int> rank, IntVariable(env, c.rank));
  VERDICT_ASSIGN_OR_RETURN(std::optional<int> size, IntVariable(env, c.size));
  VERDICT_ASSIGN_OR_RETURN(std::optional<int> local_rank, IntVariable(env, c.local_rank));
  Environment local_env = [&env](const std::string& name) { return LeadingNumber(env(name)); };
  VERDICT_ASSIGN_OR_RETURN(std::optional<int> local_size, IntVariable(local_env, c.local_size));
  if (!size) return InvalidArgument(std::string(c.rank) + " is set but " + c.size + " is not");
  launch.rank = *rank;
  launch.world_size = *size;
  launch.local_rank = local_rank.value_or(0);
  launch.local_world_size = local_size.value_or(launch.world_size);
  if (launch.world_size < 1 || launch.rank >= launch.world_size) {
    return InvalidArgument(std::string(c.rank) + "=" + std::to_string(launch.rank) + " is not a " +
                           "rank of " + c.size + "=" + std::to_string(launch.world_size));
  }
  if (launch.local_world_size < 1 || launch.local_rank >= launch.local_world_size) {
    return InvalidArgument(std::string(c.local_rank) + "=" + std::to_string(launch.local_rank) +
                           " is not a local rank of " + std::to_string(launch.local_world_size));
  }
  return launch;
}

Status FillMaster(const MasterFlags& flags, const Environment& env, Launch& launch) {
  launch.master_addr = !flags.addr.empty() ? flags.addr : env("MASTER_ADDR").value_or("");
  VERDICT_ASSIGN_OR_RETURN(std::optional<int> port, IntVariable(env, "MASTER_PORT"));
  launch.master_port =
      flags.port > 0 ? flags.port : port.value_or(c10d::TCPStoreOptions::kDefaultPort);
  if (launch.master_port < 1 || launch.master_port > 65535) {
    return InvalidArgument("master port " + std::to_string(launch.master_port) +
                           " is not in 1..65535");
  }
  if (launch.world_size > 1 && launch.master_addr.empty()) {
    return InvalidArgument(launch.launcher + " started " + std::to_string(launch.world_size) +
                           " ranks but no master address is known: set MASTER_ADDR (and "
                           "MASTER_PORT) or --master-addr to rank 0's host");
  }
  const std::string agent = AsciiLower(env("TORCHELASTIC_USE_AGENT_STORE").value_or(""));
  launch.agent_store = launch.launcher == "torchrun" && (agent == "true" || agent == "1");
  return Status::Ok();
}

}  // namespace

Environment ProcessEnvironment() {
  return [](const std::string& name) -> std::optional<std::string> {
    const char* value = std::getenv(name.c_str());
    return value == nullptr ? std::nullopt : std::optional<std::string>(value);
  };
}

Result<Launch> DetectLaunch(const MasterFlags& flags, const Environment& env) {
  for (const Convention& convention : kConventions) {
    if (!env(convention.rank)) continue;
    VERDICT_ASSIGN_OR_RETURN(Launch launch, FromConvention(convention, env));
    VERDICT_RETURN_IF_ERROR(FillMaster(flags, env, launch));
    return launch;
  }
  return Launch{};
}

int LocalShare(int total, const Launch& launch) {
  const int ranks = std::max(1, launch.local_world_size);
  const int share = total / ranks + (launch.local_rank < total % ranks ? 1 : 0);
  return std::max(1, share);
}

// ---------------------------------------------------------------------------------------------
// Group

namespace {

// Keys of this job in the store. Under torchrun the agent's store outlives a restart of the
// workers, so the restart count is part of every key.
std::string KeyPrefix(const Environment& env) {
  return "verdict/" + env("TORCHELASTIC_RESTART_COUNT").value_or("0") + "/";
}

std::string Seconds(std::chrono::milliseconds ms) {
  return FormatShortest(static_cast<double>(ms.count()) / 1000.0);
}

std::vector<uint8_t> Bytes(const std::string& text) { return {text.begin(), text.end()}; }

// A c10d exception's message without the C++ backtrace LibTorch appends, on one line.
std::string MessageOf(const std::exception& e) {
  const auto* error = dynamic_cast<const c10::Error*>(&e);
  return OneLine(error != nullptr ? error->what_without_backtrace() : e.what());
}

// Largest piece of a payload sent in one Gloo message.
constexpr int64_t kChunkBytes = int64_t{64} << 20;

}  // namespace

struct Group::State {
  Launch launch;
  std::chrono::milliseconds timeout{0};
  std::string prefix;
  c10::intrusive_ptr<c10d::Store> store;
  c10::intrusive_ptr<c10d::ProcessGroupGloo> group;
  // The heartbeat: a counter in the store this rank bumps every second while it lives.
  std::thread heartbeat;
  std::mutex mutex;
  std::condition_variable stop_signal;
  bool stopping = false;

  std::string Key(const std::string& name) const { return prefix + name; }
  std::string Rank(int r) const {
    return "rank " + std::to_string(r) + " of " + std::to_string(launch.world_size);
  }

  void Beat(c10::intrusive_ptr<c10d::Store> beat_store) {
    const std::string key = Key("alive/" + std::to_string(launch.rank));
    std::unique_lock<std::mutex> lock(mutex);
    while (!stopping) {
      try {
        beat_store->add(key, 1);
      } catch (const std::exception&) {
        return;  // the store is gone: the waits report it
      }
      stop_signal.wait_for(lock, std::chrono::seconds(1), [this] { return stopping; });
    }
  }

  void StopHeartbeat() {
    {
      std::lock_guard<std::mutex> lock(mutex);
      stopping = true;
    }
    stop_signal.notify_all();
    if (heartbeat.joinable()) heartbeat.join();
  }
};

Result<std::unique_ptr<Group>> Group::Join(const Launch& launch,
                                           std::chrono::milliseconds timeout) {
  auto state = std::make_unique<State>();
  state->launch = launch;
  state->timeout = timeout;
  state->prefix = KeyPrefix(ProcessEnvironment());
  const std::string where = launch.master_addr + ":" + std::to_string(launch.master_port);
  try {
    c10d::TCPStoreOptions options;
    options.port = static_cast<uint16_t>(launch.master_port);
    options.isServer = launch.rank == 0 && !launch.agent_store;
    options.numWorkers = launch.world_size;
    options.waitWorkers = false;
    options.timeout = timeout;
    options.multiTenant = true;
    state->store = c10::make_intrusive<c10d::TCPStore>(launch.master_addr, options);
  } catch (const std::exception& e) {
    return IoError(state->Rank(launch.rank) + ": cannot reach the store at " + where + " within " +
                   Seconds(timeout) + " s: " + MessageOf(e));
  }
  try {
    state->heartbeat = std::thread(&State::Beat, state.get(), state->store->clone());
    auto options = c10d::ProcessGroupGloo::Options::create(timeout);
    const char* interface = std::getenv("GLOO_SOCKET_IFNAME");
    options->devices.push_back(interface != nullptr && *interface != '\0'
                                   ? c10d::ProcessGroupGloo::createDeviceForInterface(interface)
                                   : c10d::ProcessGroupGloo::createDefaultDevice());
    auto gloo_store = c10::make_intrusive<c10d::PrefixStore>(state->Key("gloo"), state->store);
    state->group = c10::make_intrusive<c10d::ProcessGroupGloo>(gloo_store, launch.rank,
                                                               launch.world_size, options);
  } catch (const std::exception& e) {
    state->StopHeartbeat();
    return IoError(state->Rank(launch.rank) + ": the " + std::to_string(launch.world_size) +
                   " ranks did not all join the process group at " + where + " within " +
                   Seconds(timeout) + " s (--rank-timeout): " + MessageOf(e));
  }
  return std::unique_ptr<Group>(new Group(std::move(state)));
}

Group::Group(std::unique_ptr<State> state) : state_(std::move(state)) {}

Group::~Group() {
  if (!state_) return;
  State& s = *state_;
  s.StopHeartbeat();
  // The other ranks stay until rank 0 has left (it writes the job's markers first, so a launcher
  // that ends the job when a rank exits cannot cut that short), and rank 0, when it hosts the
  // store, until every rank has left; each wait is bounded by the timeout.
  try {
    const bool root = s.launch.rank == 0;
    if (root) s.store->set(s.Key("left/0"), Bytes("1"));
    s.store->add(s.Key("left"), 1);
    const bool hosting = root && !s.launch.agent_store;
    const Clock::time_point start = Clock::now();
    auto must_wait = [&] {
      if (Clock::now() - start >= s.timeout) return false;
      if (!root) return !s.store->check({s.Key("left/0")});
      return hosting && s.store->add(s.Key("left"), 0) < s.launch.world_size;
    };
    while (must_wait()) std::this_thread::sleep_for(std::chrono::milliseconds(20));
  } catch (const std::exception&) {
    // The store is gone already: nothing to wait for.
  }
}

int Group::rank() const { return state_->launch.rank; }
int Group::size() const { return state_->launch.world_size; }

Status Group::Agree(const std::string& phase, const Status& mine) {
  State& s = *state_;
  const int n = s.launch.world_size;
  auto outcome_key = [&](int r) { return s.Key("outcome/" + phase + "/" + std::to_string(r)); };
  try {
    s.store->set(outcome_key(s.launch.rank),
                 Bytes(mine.ok() ? "ok" : "failed:" + OneLine(mine.message())));
    // Per rank: its outcome once posted, else its last heartbeat count and when it changed.
    std::map<int, std::string> outcomes;
    std::vector<std::pair<int64_t, Clock::time_point>> beats(n, {-1, Clock::now()});
    auto read = [&](int r) {
      std::vector<uint8_t> value = s.store->get(outcome_key(r));
      outcomes[r] = std::string(value.begin(), value.end());
    };
    // One check of every missing outcome each 100 ms; each second, the missing ranks one by one
    // (a store wait would do, but c10d logs a warning for each of its timeouts).
    Clock::time_point last_round = Clock::now();
    while (static_cast<int>(outcomes.size()) < n) {
      std::vector<int> pending;
      std::vector<std::string> keys;
      for (int r = 0; r < n; ++r) {
        if (outcomes.count(r) != 0) continue;
        pending.push_back(r);
        keys.push_back(outcome_key(r));
      }
      if (s.store->check(keys)) {
        for (int r : pending) read(r);
        continue;
      }
      if (Clock::now() - last_round >= std::chrono::seconds(1)) {
        last_round = Clock::now();
        for (int r : pending) {
          if (s.store->check({outcome_key(r)})) {
            read(r);
            continue;
          }
          const int64_t beat = s.store->add(s.Key("alive/" + std::to_string(r)), 0);
          if (beat != beats[r].first) beats[r] = {beat, Clock::now()};
          if (Clock::now() - beats[r].second > s.timeout) {
            outcomes[r] = "lost:" + s.Rank(r) + " was lost (no heartbeat for " +
                          Seconds(s.timeout) + " s, --rank-timeout)";
          }
        }
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    for (const auto& [r, outcome] : outcomes) {
      if (outcome.rfind("failed:", 0) == 0) {
        return InvalidData(s.Rank(r) + " failed: " + outcome.substr(7));
      }
      if (outcome.rfind("lost:", 0) == 0) return IoError(outcome.substr(5));
    }
    return Status::Ok();
  } catch (const std::exception& e) {
    return IoError(s.Rank(s.launch.rank) + " lost the store at " + s.launch.master_addr + ":" +
                   std::to_string(s.launch.master_port) + " (its host ended?): " + MessageOf(e));
  }
}

Result<std::vector<std::string>> Group::GatherBytes(const std::string& mine) {
  State& s = *state_;
  std::vector<std::string> parts;
  auto run = [&s](c10::intrusive_ptr<c10d::Work> work) { work->wait(s.timeout); };
  // A payload travels as its size, then pieces of at most kChunkBytes.
  auto send = [&](const std::string& bytes) {
    std::vector<at::Tensor> size{at::tensor({static_cast<int64_t>(bytes.size())}, at::kLong)};
    run(s.group->send(size, 0, 0));
    for (int64_t at_byte = 0; at_byte < static_cast<int64_t>(bytes.size());
         at_byte += kChunkBytes) {
      const int64_t n =
          std::min<int64_t>(kChunkBytes, static_cast<int64_t>(bytes.size()) - at_byte);
      std::vector<at::Tensor> piece{
          at::from_blob(const_cast<char*>(bytes.data()) + at_byte, {n}, at::kByte)};
      run(s.group->send(piece, 0, 0));
    }
  };
  auto receive = [&](int from) {
    std::vector<at::Tensor> size{at::zeros({1}, at::kLong)};
    run(s.group->recv(size, from, 0));
    std::string bytes(static_cast<size_t>(size[0].item<int64_t>()), '\0');
    for (int64_t at_byte = 0; at_byte < static_cast<int64_t>(bytes.size());
         at_byte += kChunkBytes) {
      const int64_t n =
          std::min<int64_t>(kChunkBytes, static_cast<int64_t>(bytes.size()) - at_byte);
      std::vector<at::Tensor> piece{at::from_blob(bytes.data() + at_byte, {n}, at::kByte)};
      run(s.group->recv(piece, from, 0));
    }
    return bytes;
  };
  int peer = 0;
  try {
    if (s.launch.rank != 0) {
      send(mine);
      return parts;
    }
    parts.push_back(mine);
    for (peer = 1; peer < s.launch.world_size; ++peer) parts.push_back(receive(peer));
    return parts;
  } catch (const std::exception& e) {
    return IoError(s.Rank(s.launch.rank) + ": gathering the results " +
                   (s.launch.rank == 0 ? "from " + s.Rank(peer) : std::string("to rank 0")) +
                   " failed: " + MessageOf(e));
  }
}

}  // namespace verdict::distributed
