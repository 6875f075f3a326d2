using Mediator;
using Microsoft.EntityFrameworkCore;
using Platform.HostAgent.Protocol;
using Platform.Modules.Compute.Persistence;
using Platform.Modules.Shared.Errors;

namespace Platform.Modules.Compute.Hosts;

/// <summary>Checks the <c>PlatformHost host_id:secret</c> credential an agent presents; answers the host's id.</summary>
internal sealed record AuthenticateHost(string? Authorization) : IRequest<string>;

internal sealed class AuthenticateHostHandler(ComputeDbContext db) : IRequestHandler<AuthenticateHost, string>
{
    public async ValueTask<string> Handle(AuthenticateHost request, CancellationToken cancellationToken)
    {
        var prefix = AgentApi.AuthorizationScheme + " ";
        var value = request.Authorization ?? "";
        var colon = value.StartsWith(prefix, StringComparison.Ordinal) ? value.IndexOf(':', prefix.Length) : -1;
        if (colon < 0)
        {
            throw new ApiException(401, "MissingAuthenticationToken", $"Agent requests must carry 'Authorization: {AgentApi.AuthorizationScheme} <host id>:<secret>'.");
        }

        var hostId = value[prefix.Length..colon];
        var secret = value[(colon + 1)..];
        var hash = await db.Hosts.AsNoTracking().Where(h => h.Id == hostId).Select(h => h.CredentialHash).SingleOrDefaultAsync(cancellationToken);
        if (hash is null || !HostSecrets.Matches(secret, hash))
        {
            throw new ApiException(401, "InvalidHostCredential", "The host credential is not valid.");
        }

        return hostId;
    }
}
