// Hangfire keeps its storage in a process-wide static (JobStorage.Current): two API hosts alive at once
// in one test process would enqueue into each other's databases. Hosts here run one at a time.
[assembly: CollectionBehavior(DisableTestParallelization = true)]
