using Mediator;
using Platform.Modules.Iam.Contracts;
using Platform.Modules.Shared.Accounts;
using Platform.Modules.Shared.Errors;

namespace Platform.Modules.Compute.Hosts;

/// <summary>Servers belong to the operator: only principals of the management account may manage them.</summary>
internal static class OperatorCheck
{
    public static async ValueTask EnsureOperatorAsync(ISender sender, ICallerContext caller, CancellationToken cancellationToken)
    {
        if (!await sender.Send(new IsManagementAccount(caller.Identity.AccountId), cancellationToken))
        {
            throw ApiErrors.AccessDenied("Only principals of the management account can manage hosts.");
        }
    }
}
