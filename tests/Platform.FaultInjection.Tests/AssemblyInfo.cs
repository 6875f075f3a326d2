// One fault-injection run at a time: it owns the machine's daemons while it runs.
[assembly: CollectionBehavior(DisableTestParallelization = true)]
