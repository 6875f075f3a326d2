namespace Platform.Modules.Database.Instances;

/// <summary>
/// A DB instance class as RDS names it, with the vCPUs and memory RDS gives it, and the guest this platform runs it on.
/// Guests here are much smaller than RDS's (software emulation on shared cores): the guest's memory is what PostgreSQL
/// gets, and its settings that depend on memory (shared_buffers) are sized from it.
/// </summary>
/// <param name="GuestInstanceType">The EC2 instance type of Compute's catalog the guest is launched as (its vCPUs and memory are the guest's).</param>
internal sealed record InstanceClass(string Name, int Vcpus, double MemoryGiB, int GuestVcpus, int GuestMemoryMiB, string GuestInstanceType);

internal static class InstanceClasses
{
    public static readonly IReadOnlyList<InstanceClass> All =
    [
        // The database guest needs at least 320 MiB (PostgreSQL, its agent and the page cache under emulation).
        new("db.t3.micro", 2, 1, 1, 512, "t2.nano"),
        new("db.t3.small", 2, 2, 1, 1024, "t2.micro"),
        new("db.t3.medium", 2, 4, 2, 1024, "t3.micro"),
        new("db.t4g.micro", 2, 1, 1, 512, "t2.nano"),
        new("db.t4g.small", 2, 2, 1, 1024, "t2.micro"),
        new("db.m5.large", 2, 8, 2, 2048, "t3.small"),
        new("db.m5.xlarge", 4, 16, 4, 8192, "c5.xlarge"),
        new("db.r5.large", 2, 16, 2, 4096, "c5.large"),
    ];

    public static InstanceClass? Find(string? name) => All.FirstOrDefault(c => string.Equals(c.Name, name, StringComparison.Ordinal));
}
