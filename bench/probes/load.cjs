// Loads the handler module and exits at once: a cold start's init alone, for counting its
// instructions (bench/init-instructions.ts).
require(process.argv[2]);
process.exit(0);
