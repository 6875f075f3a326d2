using Mediator;
using Microsoft.Extensions.Options;
using Platform.Modules.Shared.Accounts;
using Platform.Modules.Shared.Authorization;
using Platform.Modules.Shared.Hosting;

namespace Platform.Modules.Shared.Messaging;

/// <summary>Checks the caller's policies for every request that declares the permission it needs.</summary>
public sealed class AuthorizationBehavior<TMessage, TResponse>(ICallerContext caller, IAccessAuthorizer authorizer, IOptions<PlatformOptions> platform,
    RequestActions actions)
    : IPipelineBehavior<TMessage, TResponse>
    where TMessage : IMessage
{
    public async ValueTask<TResponse> Handle(TMessage message, MessageHandlerDelegate<TMessage, TResponse> next, CancellationToken cancellationToken)
    {
        if (message is IRequiresPermission protectedRequest)
        {
            var requirement = protectedRequest.RequiredPermission(caller.Identity);
            actions.Add(requirement);
            await authorizer.EnsureAllowedAsync(caller, requirement, cancellationToken);
        }
        else if (message is IRequiresRegionalPermission regionalRequest)
        {
            var requirement = regionalRequest.RequiredPermission(caller.Identity, platform.Value.Region);
            actions.Add(requirement);
            await authorizer.EnsureAllowedAsync(caller, requirement, cancellationToken);
        }

        return await next(message, cancellationToken);
    }
}
