// build/verdict: every command; the model commands (eval, inspect, features) are handed to
// build/verdict-model beside it, so this binary never loads LibTorch (docs/configuration.md).
#include "cli/cli.h"

int main(int argc, char** argv) {
  verdict::HandleTerminationSignals();
  verdict::ExitAfterMain(verdict::cli::Main(argc, argv, nullptr));
}
