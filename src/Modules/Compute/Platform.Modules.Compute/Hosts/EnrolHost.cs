using Mediator;
using Microsoft.EntityFrameworkCore;
using Platform.HostAgent.Protocol;
using Platform.Modules.Compute.Persistence;
using Platform.Modules.Shared.Errors;
using Platform.Modules.Shared.Ids;

namespace Platform.Modules.Compute.Hosts;

/// <summary>
/// A new server's agent trades its join token for a host identity. The token works once: marking it used and creating
/// the host commit together, so two agents racing with one token get one host. The agent brings its own secret (made
/// and saved before it asks) and the host keeps its hash; asking again with the used token and the same secret answers
/// the same host, so an agent that died before it saved the answer enrols where it left off. Any other secret is refused.
/// </summary>
internal sealed record EnrolHost(EnrolRequest Enrolment) : IRequest<EnrolResponse>;

internal sealed class EnrolHostHandler(ComputeDbContext db, TimeProvider clock) : IRequestHandler<EnrolHost, EnrolResponse>
{
    private static ApiException Invalid() => new(403, "InvalidJoinToken", "The join token is not valid: unknown, already used or expired.");

    public async ValueTask<EnrolResponse> Handle(EnrolHost request, CancellationToken cancellationToken)
    {
        var enrolment = request.Enrolment;
        if (enrolment.HostSecret is { } given && (given.Length is < 32 or > 256 || given.Any(c => char.IsWhiteSpace(c) || char.IsControl(c))))
        {
            throw ApiErrors.InvalidParameterValue("host_secret must be 32 to 256 printable characters without spaces.");
        }

        var now = clock.GetUtcNow().UtcDateTime;
        var hash = HostSecrets.Hash(enrolment.JoinToken ?? "");
        var token = await db.JoinTokens.SingleOrDefaultAsync(t => t.TokenHash == hash, cancellationToken);
        if (token is { UsedAt: not null } && await RetryOfAsync(token, enrolment.HostSecret, cancellationToken) is { } enrolled)
        {
            return enrolled;
        }

        if (token is null || token.UsedAt is not null || token.ExpiresAt < now)
        {
            // One answer for unknown, used and expired tokens: a guesser learns nothing.
            throw Invalid();
        }

        if (string.IsNullOrWhiteSpace(enrolment.HostName) || enrolment.HostName.Length > 253)
        {
            throw ApiErrors.InvalidParameterValue("host_name must be 1 to 253 characters.");
        }

        var secret = enrolment.HostSecret ?? HostSecrets.NewHostSecret();
        var host = new HostRecord
        {
            Id = ResourceIds.New("h"),
            Name = enrolment.HostName,
            AvailabilityZone = token.AvailabilityZone,
            CredentialHash = HostSecrets.Hash(secret),
            Cpus = enrolment.Capacity.Cpus,
            MemoryMiB = enrolment.Capacity.MemoryMib,
            DiskBytes = enrolment.Capacity.DiskBytes,
            DiskFreeBytes = enrolment.Capacity.DiskFreeBytes,
            EnrolledAt = now,
            LastHeartbeatAt = now,
        };
        token.UsedAt = now;
        token.HostId = host.Id;
        db.Hosts.Add(host);
        try
        {
            // The token row's UsedAt is checked again by the database: see the concurrency token.
            await db.SaveChangesAsync(cancellationToken);
        }
        catch (DbUpdateConcurrencyException)
        {
            // Another request spent the token first; if it was this agent's own earlier try, that host is the answer.
            db.ChangeTracker.Clear();
            var spent = await db.JoinTokens.AsNoTracking().SingleAsync(t => t.TokenHash == hash, cancellationToken);
            return await RetryOfAsync(spent, enrolment.HostSecret, cancellationToken) ?? throw Invalid();
        }

        return new EnrolResponse(host.Id, secret, host.AvailabilityZone);
    }

    /// <summary>The host a used token enrolled, when the secret is the one it enrolled with (whatever the token's expiry since).</summary>
    private async Task<EnrolResponse?> RetryOfAsync(JoinToken token, string? secret, CancellationToken cancellationToken)
    {
        if (secret is null || token.HostId is null)
        {
            return null;
        }

        var host = await db.Hosts.AsNoTracking().SingleOrDefaultAsync(h => h.Id == token.HostId, cancellationToken);
        return host is not null && HostSecrets.Matches(secret, host.CredentialHash) ? new EnrolResponse(host.Id, secret, host.AvailabilityZone) : null;
    }
}
