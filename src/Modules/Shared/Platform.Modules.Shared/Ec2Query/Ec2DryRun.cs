using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Platform.Modules.Shared.Accounts;
using Platform.Modules.Shared.Authorization;
using Platform.Modules.Shared.Errors;
using Platform.Modules.Shared.Hosting;
using Platform.Modules.Shared.Messaging;

namespace Platform.Modules.Shared.Ec2Query;

/// <summary>
/// EC2's <c>DryRun</c>: the request is validated and its permission checked exactly as the native pipeline would
/// (the request's own <see cref="IValidatable"/> and <see cref="IRequiresPermission"/>), and its handler never runs.
/// </summary>
public static class Ec2DryRun
{
    public static async ValueTask RefuseAsync(object request, IServiceProvider services, CancellationToken cancellationToken)
    {
        await RefuseUnlessAllowedAsync(request, services, cancellationToken);
        throw new ApiException(412, "DryRunOperation", "Request would have succeeded, but DryRun flag is set.");
    }

    /// <summary>Validates and checks one request of a DryRun, throwing only when it would have been refused.</summary>
    public static async ValueTask RefuseUnlessAllowedAsync(object request, IServiceProvider services, CancellationToken cancellationToken)
    {
        if (request is IValidatable validatable)
        {
            validatable.Validate();
        }

        var caller = services.GetRequiredService<ICallerContext>();
        var requirement = request switch
        {
            IRequiresPermission plain => plain.RequiredPermission(caller.Identity),
            IRequiresRegionalPermission regional => regional.RequiredPermission(caller.Identity,
                services.GetRequiredService<IOptions<PlatformOptions>>().Value.Region),
            _ => null,
        };
        if (requirement is not null)
        {
            try
            {
                await services.GetRequiredService<IAccessAuthorizer>().EnsureAllowedAsync(caller, requirement, cancellationToken);
            }
            catch (ApiException denied) when (denied.StatusCode == 403)
            {
                throw new ApiException(403, "UnauthorizedOperation", "You are not authorized to perform this operation.");
            }
        }
    }
}
