using Mediator;
using Platform.Modules.Shared.Accounts;
using Platform.Modules.Shared.Authorization;
using Platform.Modules.Shared.Errors;

namespace Platform.Modules.Compute.InstanceTypes;

internal sealed record InstanceTypeInfo(string InstanceType, int Vcpus, int MemoryMib);

internal sealed record InstanceTypesResponse(IReadOnlyList<InstanceTypeInfo> InstanceTypes);

/// <summary>The catalog, or the named types of it, as EC2's DescribeInstanceTypes.</summary>
internal sealed record DescribeInstanceTypes(IReadOnlyList<string> Names) : IRequest<InstanceTypesResponse>, IRequiresPermission
{
    public PermissionRequirement RequiredPermission(CallerIdentity caller) => new("ec2:DescribeInstanceTypes", "*");
}

internal sealed class DescribeInstanceTypesHandler : IRequestHandler<DescribeInstanceTypes, InstanceTypesResponse>
{
    public ValueTask<InstanceTypesResponse> Handle(DescribeInstanceTypes request, CancellationToken cancellationToken)
    {
        var unknown = request.Names.Where(n => InstanceTypeCatalog.Find(n) is null).ToList();
        if (unknown.Count > 0)
        {
            throw new ApiException(400, "InvalidInstanceType", $"The following supplied instance types do not exist: [{string.Join(", ", unknown)}]");
        }

        var types = request.Names.Count == 0
            ? InstanceTypeCatalog.All
            : request.Names.Distinct(StringComparer.Ordinal).Select(n => InstanceTypeCatalog.Find(n)!).ToList();
        return ValueTask.FromResult(new InstanceTypesResponse(types.Select(t => new InstanceTypeInfo(t.Name, t.VirtualCpus, t.MemoryMiB)).ToList()));
    }
}
