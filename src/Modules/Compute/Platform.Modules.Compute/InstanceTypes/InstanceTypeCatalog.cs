namespace Platform.Modules.Compute.InstanceTypes;

internal sealed record InstanceType(string Name, int VirtualCpus, int MemoryMiB);

/// <summary>The instance types this cloud offers, named and sized as EC2's.</summary>
internal static class InstanceTypeCatalog
{
    public static readonly IReadOnlyList<InstanceType> All =
    [
        new("t2.nano", 1, 512),
        new("t2.micro", 1, 1024),
        new("t2.small", 1, 2048),
        new("t3.nano", 2, 512),
        new("t3.micro", 2, 1024),
        new("t3.small", 2, 2048),
        new("t3.medium", 2, 4096),
        new("t3.large", 2, 8192),
        new("m5.large", 2, 8192),
        new("m5.xlarge", 4, 16384),
        new("c5.large", 2, 4096),
        new("c5.xlarge", 4, 8192),
    ];

    private static readonly Dictionary<string, InstanceType> ByName = All.ToDictionary(t => t.Name, StringComparer.Ordinal);

    public static InstanceType? Find(string name) => ByName.GetValueOrDefault(name);
}
