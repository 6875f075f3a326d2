using Platform.Modules.Network.Persistence;

namespace Platform.Modules.Network.Vpcs;

internal sealed record VpcResponse(string VpcId, string CidrBlock, string State, bool IsDefault, string OwnerId, DateTime CreateTime)
{
    public static VpcResponse From(Vpc vpc) => new(vpc.Id, vpc.CidrBlock, "available", vpc.IsDefault, vpc.AccountId, vpc.CreatedAt);
}

internal sealed record VpcListResponse(IReadOnlyList<VpcResponse> Vpcs);
