#include "distributed/distributed.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <map>
#include <thread>

namespace verdict::distributed {
namespace {

Environment Env(std::map<std::string, std::string> vars) {
  return [vars](const std::string& name) -> std::optional<std::string> {
    auto it = vars.find(name);
    return it == vars.end() ? std::nullopt : std::optional<std::string>(it->second);
  };
}

TEST(DetectLaunchTest, NoLauncherIsOneProcess) {
  Result<Launch> launch = DetectLaunch({}, Env({}));
  ASSERT_TRUE(launch.ok());
  EXPECT_EQ(launch->world_size, 1);
  EXPECT_EQ(launch->launcher, "");
}

TEST(DetectLaunchTest, Torchrun) {
  Result<Launch> launch = DetectLaunch({}, Env({{"RANK", "3"},
                                                {"WORLD_SIZE", "4"},
                                                {"LOCAL_RANK", "1"},
                                                {"LOCAL_WORLD_SIZE", "2"},
                                                {"MASTER_ADDR", "node0"},
                                                {"MASTER_PORT", "29400"},
                                                {"TORCHELASTIC_USE_AGENT_STORE", "True"}}));
  ASSERT_TRUE(launch.ok()) << launch.status().message();
  EXPECT_EQ(launch->launcher, "torchrun");
  EXPECT_EQ(launch->rank, 3);
  EXPECT_EQ(launch->world_size, 4);
  EXPECT_EQ(launch->local_rank, 1);
  EXPECT_EQ(launch->local_world_size, 2);
  EXPECT_EQ(launch->master_addr, "node0");
  EXPECT_EQ(launch->master_port, 29400);
  EXPECT_TRUE(launch->agent_store);
}

TEST(DetectLaunchTest, TheFiveTorchrunVariablesAreEnough) {
  Result<Launch> launch = DetectLaunch({}, Env({{"RANK", "0"},
                                                {"WORLD_SIZE", "2"},
                                                {"LOCAL_RANK", "0"},
                                                {"MASTER_ADDR", "127.0.0.1"},
                                                {"MASTER_PORT", "29500"}}));
  ASSERT_TRUE(launch.ok());
  EXPECT_EQ(launch->local_world_size, 2);  // unknown: every rank counts as local
  EXPECT_FALSE(launch->agent_store);
}

TEST(DetectLaunchTest, OpenMpiPmiAndSlurmWithMasterFlags) {
  MasterFlags flags{"head", 1234};
  Result<Launch> ompi = DetectLaunch(flags, Env({{"OMPI_COMM_WORLD_RANK", "1"},
                                                 {"OMPI_COMM_WORLD_SIZE", "2"},
                                                 {"OMPI_COMM_WORLD_LOCAL_RANK", "1"},
                                                 {"OMPI_COMM_WORLD_LOCAL_SIZE", "2"}}));
  ASSERT_TRUE(ompi.ok()) << ompi.status().message();
  EXPECT_EQ(ompi->launcher, "mpirun");
  EXPECT_EQ(ompi->rank, 1);
  EXPECT_EQ(ompi->master_addr, "head");
  EXPECT_EQ(ompi->master_port, 1234);
  Result<Launch> pmi = DetectLaunch(flags, Env({{"PMI_RANK", "2"}, {"PMI_SIZE", "3"}}));
  ASSERT_TRUE(pmi.ok());
  EXPECT_EQ(pmi->rank, 2);
  EXPECT_EQ(pmi->world_size, 3);
  Result<Launch> slurm = DetectLaunch({}, Env({{"SLURM_PROCID", "5"},
                                               {"SLURM_NTASKS", "8"},
                                               {"SLURM_LOCALID", "1"},
                                               {"SLURM_NTASKS_PER_NODE", "4(x2)"},
                                               {"MASTER_ADDR", "n1"}}));
  ASSERT_TRUE(slurm.ok()) << slurm.status().message();
  EXPECT_EQ(slurm->launcher, "srun");
  EXPECT_EQ(slurm->rank, 5);
  EXPECT_EQ(slurm->local_world_size, 4);
  EXPECT_EQ(slurm->master_port, 29500);  // c10d's default
}

TEST(DetectLaunchTest, ErrorsNameTheVariable) {
  EXPECT_NE(DetectLaunch({}, Env({{"RANK", "0"}})).status().message().find("WORLD_SIZE"),
            std::string::npos);
  EXPECT_NE(
      DetectLaunch({}, Env({{"RANK", "x"}, {"WORLD_SIZE", "2"}})).status().message().find("RANK="),
      std::string::npos);
  EXPECT_NE(DetectLaunch({}, Env({{"RANK", "2"}, {"WORLD_SIZE", "2"}, {"MASTER_ADDR", "h"}}))
                .status()
                .message()
                .find("is not a rank"),
            std::string::npos);
  EXPECT_NE(DetectLaunch({}, Env({{"SLURM_PROCID", "0"}, {"SLURM_NTASKS", "2"}}))
                .status()
                .message()
                .find("MASTER_ADDR"),
            std::string::npos);
}

TEST(LocalShareTest, SplitsBetweenLocalRanks) {
  Launch launch;
  launch.local_world_size = 3;
  launch.local_rank = 0;
  EXPECT_EQ(LocalShare(8, launch), 3);
  launch.local_rank = 2;
  EXPECT_EQ(LocalShare(8, launch), 2);
  EXPECT_EQ(LocalShare(2, launch), 1);  // never 0
}

// A port nobody listens on now.
int FreePort() {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr));
  socklen_t len = sizeof(addr);
  getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  close(fd);
  return ntohs(addr.sin_port);
}

Launch RankOf(int rank, int size, int port) {
  Launch launch;
  launch.launcher = "test";
  launch.rank = rank;
  launch.world_size = size;
  launch.master_addr = "127.0.0.1";
  launch.master_port = port;
  return launch;
}

// Runs `body(rank)` on `size` threads, each a rank of one group on localhost.
template <typename Body>
void OnRanks(int size, std::chrono::milliseconds timeout, Body body) {
  const int port = FreePort();
  std::vector<std::thread> threads;
  for (int r = 0; r < size; ++r) {
    threads.emplace_back([&, r] {
      Result<std::unique_ptr<Group>> group = Group::Join(RankOf(r, size, port), timeout);
      ASSERT_TRUE(group.ok()) << group.status().message();
      body(r, **group);
    });
  }
  for (std::thread& t : threads) t.join();
}

TEST(GroupTest, ThreeRanksAgreeAndGatherInRankOrder) {
  OnRanks(3, std::chrono::seconds(30), [](int r, Group& group) {
    EXPECT_EQ(group.rank(), r);
    EXPECT_EQ(group.size(), 3);
    EXPECT_TRUE(group.Agree("predict", Status::Ok()).ok());
    std::string mine(static_cast<size_t>(1000 * r), static_cast<char>('a' + r));
    Result<std::vector<std::string>> parts = group.GatherBytes(mine);
    ASSERT_TRUE(parts.ok()) << parts.status().message();
    if (r != 0) {
      EXPECT_TRUE(parts->empty());
      return;
    }
    ASSERT_EQ(parts->size(), 3u);
    EXPECT_EQ((*parts)[0], "");
    EXPECT_EQ((*parts)[1], std::string(1000, 'b'));
    EXPECT_EQ((*parts)[2], std::string(2000, 'c'));
  });
}

TEST(GroupTest, EveryRankLearnsTheLowestFailedRank) {
  OnRanks(3, std::chrono::seconds(30), [](int r, Group& group) {
    Status mine = r == 0 ? Status::Ok() : InvalidData("file 'x.csv' row " + std::to_string(r));
    Status all = group.Agree("predict", mine);
    EXPECT_EQ(all.message(), "rank 1 of 3 failed: file 'x.csv' row 1");
  });
}

TEST(GroupTest, ARankWithoutHeartbeatIsLostAfterTheTimeout) {
  const int port = FreePort();
  const auto timeout = std::chrono::seconds(3);
  std::thread quitter([&] {
    Result<std::unique_ptr<Group>> group = Group::Join(RankOf(1, 2, port), timeout);
    ASSERT_TRUE(group.ok()) << group.status().message();
    // Ends without posting an outcome: its heartbeat stops with it.
  });
  Result<std::unique_ptr<Group>> group = Group::Join(RankOf(0, 2, port), timeout);
  ASSERT_TRUE(group.ok()) << group.status().message();
  quitter.join();
  Status all = (*group)->Agree("predict", Status::Ok());
  EXPECT_EQ(all.message(), "rank 1 of 2 was lost (no heartbeat for 3 s, --rank-timeout)");
}

TEST(GroupTest, ARankThatNeverJoinsIsReported) {
  Result<std::unique_ptr<Group>> group =
      Group::Join(RankOf(0, 2, FreePort()), std::chrono::seconds(2));
  ASSERT_FALSE(group.ok());
  EXPECT_NE(group.status().message().find("did not all join the process group"), std::string::npos)
      << group.status().message();
}

}  // namespace
}  // namespace verdict::distributed
