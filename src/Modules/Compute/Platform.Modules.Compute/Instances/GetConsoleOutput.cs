using System.Text;
using Mediator;
using Platform.Modules.Compute.Persistence;
using Platform.Modules.Shared.Accounts;
using Platform.Modules.Shared.Authorization;

namespace Platform.Modules.Compute.Instances;

/// <param name="Output">Base64 of the console's last 64 KiB, as EC2 answers it; null before the guest printed anything.</param>
internal sealed record ConsoleOutputResponse(string InstanceId, string? Output, DateTime? Timestamp);

/// <summary>The tail of an instance's serial console, as its server last reported it (EC2's GetConsoleOutput).</summary>
internal sealed record GetConsoleOutput(string InstanceId) : IRequest<ConsoleOutputResponse>, IRequiresRegionalPermission
{
    public PermissionRequirement RequiredPermission(CallerIdentity caller, string region) =>
        new("ec2:GetConsoleOutput", Arns.Build("ec2", region, caller.AccountId, $"instance/{InstanceId}"));
}

internal sealed class GetConsoleOutputHandler(ComputeDbContext db, ICallerContext caller) : IRequestHandler<GetConsoleOutput, ConsoleOutputResponse>
{
    public async ValueTask<ConsoleOutputResponse> Handle(GetConsoleOutput request, CancellationToken cancellationToken)
    {
        var instance = await InstanceLookup.OwnedAsync(db, caller.Identity.AccountId, request.InstanceId, cancellationToken);
        return new ConsoleOutputResponse(instance.Id,
            instance.ConsoleOutput is { } text ? Convert.ToBase64String(Encoding.UTF8.GetBytes(text)) : null, instance.ConsoleUpdatedAt);
    }
}
