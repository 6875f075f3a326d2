using Platform.Modules.Network.Persistence;
using Platform.Modules.Shared.Tagging;

namespace Platform.Modules.Network.Vpcs;

internal sealed record VpcResponse(string VpcId, string CidrBlock, string State, bool IsDefault, string OwnerId, DateTime CreateTime)
{
    /// <summary>The resource's tags (EC2's tagSet), by key.</summary>
    public IReadOnlyList<ResourceTag> Tags { get; init; } = [];

    public static VpcResponse From(Vpc vpc) => new(vpc.Id, vpc.CidrBlock, "available", vpc.IsDefault, vpc.AccountId, vpc.CreatedAt);
}

internal sealed record VpcListResponse(IReadOnlyList<VpcResponse> Vpcs);
