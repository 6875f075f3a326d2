using Mediator;
using Microsoft.EntityFrameworkCore;
using Platform.HostAgent.Protocol;
using Platform.Modules.Compute.Persistence;
using Platform.Modules.Shared.Errors;
using Platform.Modules.Shared.Ids;

namespace Platform.Modules.Compute.Hosts;

/// <summary>
/// A new server's agent trades its join token for a host identity and secret. The token works once:
/// marking it used and creating the host commit together, so two agents racing with one token get one host.
/// </summary>
internal sealed record EnrolHost(EnrolRequest Enrolment) : IRequest<EnrolResponse>;

internal sealed class EnrolHostHandler(ComputeDbContext db, TimeProvider clock) : IRequestHandler<EnrolHost, EnrolResponse>
{
    public async ValueTask<EnrolResponse> Handle(EnrolHost request, CancellationToken cancellationToken)
    {
        var enrolment = request.Enrolment;
        var now = clock.GetUtcNow().UtcDateTime;
        var hash = HostSecrets.Hash(enrolment.JoinToken ?? "");
        var token = await db.JoinTokens.SingleOrDefaultAsync(t => t.TokenHash == hash, cancellationToken);
        if (token is null || token.UsedAt is not null || token.ExpiresAt < now)
        {
            // One answer for unknown, used and expired tokens: a guesser learns nothing.
            throw new ApiException(403, "InvalidJoinToken", "The join token is not valid: unknown, already used or expired.");
        }

        if (string.IsNullOrWhiteSpace(enrolment.HostName) || enrolment.HostName.Length > 253)
        {
            throw ApiErrors.InvalidParameterValue("host_name must be 1 to 253 characters.");
        }

        var secret = HostSecrets.NewHostSecret();
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
            throw new ApiException(403, "InvalidJoinToken", "The join token is not valid: unknown, already used or expired.");
        }

        return new EnrolResponse(host.Id, secret, host.AvailabilityZone);
    }
}
