// Hangfire keeps its storage in a process-wide static (JobStorage.Current): two API hosts alive at once
// in one test process would enqueue into each other's databases. Hosts here run one at a time.
[assembly: CollectionBehavior(DisableTestParallelization = true)]

// The end-to-end tests with real guests (tests/Platform.EndToEnd.Tests) use this assembly's harness.
[assembly: System.Runtime.CompilerServices.InternalsVisibleTo("Platform.EndToEnd.Tests")]
