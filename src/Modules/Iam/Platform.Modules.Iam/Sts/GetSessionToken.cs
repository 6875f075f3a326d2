using Mediator;
using Platform.Modules.Iam.Persistence;
using Platform.Modules.Shared.Accounts;
using Platform.Modules.Shared.Errors;
using Platform.Modules.Shared.Security;

namespace Platform.Modules.Iam.Sts;

/// <summary>
/// sts:GetSessionToken: temporary credentials that act as their caller (a user with its policies, or the root), for
/// 900 s to 36 hours (the root: an hour at most). Needs no permission, as on AWS; session credentials cannot ask for more.
/// </summary>
internal sealed record GetSessionToken(int? DurationSeconds) : IRequest<GetSessionTokenResponse>
{
    public const int DefaultDuration = 43200;
    public const int LongestDuration = 129600;
    public const int LongestRootDuration = 3600;
}

internal sealed class GetSessionTokenHandler(IamDbContext db, ICallerContext caller, ISecretProtector protector, TimeProvider clock)
    : IRequestHandler<GetSessionToken, GetSessionTokenResponse>
{
    public async ValueTask<GetSessionTokenResponse> Handle(GetSessionToken request, CancellationToken cancellationToken)
    {
        var identity = caller.Identity;
        if (request.DurationSeconds is < AssumeRole.MinDuration or > GetSessionToken.LongestDuration)
        {
            throw ApiErrors.ValidationError(
                $"1 validation error detected: Value '{request.DurationSeconds}' at 'durationSeconds' failed to satisfy constraint: Member must have value between {AssumeRole.MinDuration} and {GetSessionToken.LongestDuration}");
        }

        if (identity.IsSession)
        {
            throw ApiErrors.AccessDenied("Cannot call GetSessionToken with session credentials");
        }

        var longest = identity.IsRoot ? GetSessionToken.LongestRootDuration : GetSessionToken.LongestDuration;
        var duration = Math.Min(request.DurationSeconds ?? GetSessionToken.DefaultDuration, longest);
        var (row, credentials) = SessionCredentialIssuer.Issue(protector, identity.AccountId, roleId: null, userId: identity.IsRoot ? null : identity.PrincipalId,
            sessionName: identity.UserName ?? "root", sessionPolicy: null, clock.GetUtcNow().UtcDateTime, TimeSpan.FromSeconds(duration));
        db.SessionCredentials.Add(row);
        await db.SaveChangesAsync(cancellationToken);
        return new GetSessionTokenResponse(credentials);
    }
}
