using Platform.Modules.Shared.Accounts;

namespace Platform.Modules.Shared.Authorization;

/// <summary>
/// A request on a regional resource (an EC2 instance, a VPC): its ARN names the region, which the
/// authorization behaviour passes in from the platform's configuration.
/// </summary>
public interface IRequiresRegionalPermission
{
    PermissionRequirement RequiredPermission(CallerIdentity caller, string region);
}
