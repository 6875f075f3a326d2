using Mediator;

namespace Platform.Modules.Shared.Messaging;

/// <summary>Runs a request's own parameter checks before its handler; bad input changes nothing.</summary>
public sealed class ValidationBehavior<TMessage, TResponse> : IPipelineBehavior<TMessage, TResponse>
    where TMessage : IMessage
{
    public ValueTask<TResponse> Handle(TMessage message, MessageHandlerDelegate<TMessage, TResponse> next, CancellationToken cancellationToken)
    {
        (message as IValidatable)?.Validate();
        return next(message, cancellationToken);
    }
}
