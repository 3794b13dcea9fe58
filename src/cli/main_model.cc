// build/verdict-model: every command, the model commands (eval, inspect, features) included; it
// links LibTorch. build/verdict runs it for those commands.
#include "cli/cli.h"

namespace {

const verdict::cli::ModelCommands kModelCommands{
    .eval = verdict::pipeline::RunEvalOfModelDir,
    .inspect = verdict::pipeline::Inspect,
    .features =
        [](const verdict::cli::FeaturesCommand& f) {
          return verdict::pipeline::WriteFeatures(f.model_dir, f.data, f.out, f.max_rows,
                                                  f.num_workers);
        },
};

}  // namespace

int main(int argc, char** argv) {
  verdict::HandleTerminationSignals();
  verdict::ExitAfterMain(verdict::cli::Main(argc, argv, &kModelCommands));
}
