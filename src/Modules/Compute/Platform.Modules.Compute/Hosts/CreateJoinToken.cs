using Mediator;
using Microsoft.Extensions.Options;
using Platform.Modules.Compute.Persistence;
using Platform.Modules.Shared.Accounts;
using Platform.Modules.Shared.Authorization;
using Platform.Modules.Shared.Errors;
using Platform.Modules.Shared.Hosting;
using Platform.Modules.Shared.Ids;

namespace Platform.Modules.Compute.Hosts;

internal sealed record JoinTokenResponse(string JoinTokenId, string JoinToken, string AvailabilityZone, DateTime ExpiresAt);

/// <summary>A one-time token with which one new server enrols its HostAgent into an availability zone.</summary>
internal sealed record CreateJoinToken(string? AvailabilityZone) : IRequest<JoinTokenResponse>, IRequiresRegionalPermission
{
    public PermissionRequirement RequiredPermission(CallerIdentity caller, string region) =>
        new("platform:CreateJoinToken", Arns.Build("platform", region, caller.AccountId, "host/*"));
}

internal sealed class CreateJoinTokenHandler(
    ComputeDbContext db, ISender sender, ICallerContext caller, IOptions<PlatformOptions> platform, IOptions<ComputeOptions> options, TimeProvider clock)
    : IRequestHandler<CreateJoinToken, JoinTokenResponse>
{
    public async ValueTask<JoinTokenResponse> Handle(CreateJoinToken request, CancellationToken cancellationToken)
    {
        await OperatorCheck.EnsureOperatorAsync(sender, caller, cancellationToken);
        var zones = platform.Value.Zones;
        var zone = request.AvailabilityZone ?? zones[0];
        if (!zones.Contains(zone, StringComparer.Ordinal))
        {
            throw ApiErrors.InvalidParameterValue(
                $"Invalid availability zone: [{zone}]. Configured zones: {string.Join(", ", zones)}.");
        }

        var secret = HostSecrets.NewJoinToken();
        var now = clock.GetUtcNow().UtcDateTime;
        var token = new JoinToken
        {
            Id = ResourceIds.New("jt"),
            TokenHash = HostSecrets.Hash(secret),
            AvailabilityZone = zone,
            CreatedAt = now,
            ExpiresAt = now + options.Value.JoinTokenLifetime,
        };
        db.JoinTokens.Add(token);
        await db.SaveChangesAsync(cancellationToken);
        return new JoinTokenResponse(token.Id, secret, zone, token.ExpiresAt);
    }
}
