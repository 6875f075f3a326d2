using Mediator;
using Platform.Modules.Shared.Accounts;

namespace Platform.Modules.Iam.Identity;

internal sealed record CallerIdentityResponse(string Account, string Arn, string UserId);

/// <summary>Who am I, as sts:GetCallerIdentity: needs no permission, like AWS.</summary>
internal sealed record GetCallerIdentity : IRequest<CallerIdentityResponse>;

internal sealed class GetCallerIdentityHandler(ICallerContext caller) : IRequestHandler<GetCallerIdentity, CallerIdentityResponse>
{
    public ValueTask<CallerIdentityResponse> Handle(GetCallerIdentity request, CancellationToken cancellationToken) =>
        ValueTask.FromResult(new CallerIdentityResponse(caller.Identity.AccountId, caller.Identity.PrincipalArn, caller.Identity.PrincipalId));
}
