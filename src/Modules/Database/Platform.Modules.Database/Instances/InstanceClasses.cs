namespace Platform.Modules.Database.Instances;

/// <summary>
/// A DB instance class as RDS names it, with the vCPUs and memory RDS gives it, and the guest this platform runs it on.
/// Guests here are much smaller than RDS's (software emulation on shared cores): the guest's memory is what PostgreSQL
/// gets, and its settings that depend on memory (shared_buffers) are sized from it.
/// </summary>
internal sealed record InstanceClass(string Name, int Vcpus, double MemoryGiB, int GuestVcpus, int GuestMemoryMiB);

internal static class InstanceClasses
{
    public static readonly IReadOnlyList<InstanceClass> All =
    [
        new("db.t3.micro", 2, 1, 1, 256),
        new("db.t3.small", 2, 2, 1, 512),
        new("db.t3.medium", 2, 4, 2, 1024),
        new("db.t4g.micro", 2, 1, 1, 256),
        new("db.t4g.small", 2, 2, 1, 512),
        new("db.m5.large", 2, 8, 2, 2048),
        new("db.m5.xlarge", 4, 16, 4, 4096),
        new("db.r5.large", 2, 16, 2, 4096),
    ];

    public static InstanceClass? Find(string? name) => All.FirstOrDefault(c => string.Equals(c.Name, name, StringComparison.Ordinal));
}
