using System.Diagnostics;
using Mediator;
using Microsoft.Extensions.Logging;
using Platform.Modules.Shared.Errors;

namespace Platform.Modules.Shared.Messaging;

/// <summary>
/// Logs every message with its duration, at Debug: whoever answers the request logs its outcome once (the API's
/// and S3's error writers, <see cref="ErrorLog"/>, with the request id), and Hangfire a failed job's.
/// </summary>
public sealed class LoggingBehavior<TMessage, TResponse>(ILogger<LoggingBehavior<TMessage, TResponse>> logger)
    : IPipelineBehavior<TMessage, TResponse>
    where TMessage : IMessage
{
    public async ValueTask<TResponse> Handle(TMessage message, MessageHandlerDelegate<TMessage, TResponse> next, CancellationToken cancellationToken)
    {
        var started = Stopwatch.GetTimestamp();
        try
        {
            var response = await next(message, cancellationToken);
            if (logger.IsEnabled(LogLevel.Debug))
            {
                logger.LogDebug("{Message} handled in {Elapsed} ms", typeof(TMessage).Name, Stopwatch.GetElapsedTime(started).TotalMilliseconds);
            }

            return response;
        }
        catch (Exception e) when (logger.IsEnabled(LogLevel.Debug))
        {
            logger.LogDebug("{Message} ended after {Elapsed} ms with {Exception}: {Error}", typeof(TMessage).Name,
                Stopwatch.GetElapsedTime(started).TotalMilliseconds, e.GetType().Name, e.Message);
            throw;
        }
    }
}
