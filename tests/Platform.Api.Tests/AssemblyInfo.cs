// Test classes run in parallel, each with its own API host (Hangfire's storage and job activator are each host's own
// services: src/Platform.Api/Jobs/PlatformJobs.cs), data directory and ports. Most of their time is spent waiting on
// processes and polls, so four at a time on two cores; classes using the machine's daemons are in MachineCollection.
[assembly: CollectionBehavior(MaxParallelThreads = 4)]

// The end-to-end tests with real guests (tests/Platform.EndToEnd.Tests) use this assembly's harness.
[assembly: System.Runtime.CompilerServices.InternalsVisibleTo("Platform.EndToEnd.Tests")]
