// verdict: the command line; the commands and their option tables are in cli/cli.h.
#include "cli/cli.h"

int main(int argc, char** argv) { return verdict::cli::Main(argc, argv); }
