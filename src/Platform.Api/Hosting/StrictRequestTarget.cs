using Microsoft.AspNetCore.Http.Features;
using Platform.Modules.Shared.Errors;
using Platform.Modules.Shared.Http;

namespace Platform.Api.Hosting;

/// <summary>
/// The native API's request targets decode strictly, for every module at once: the server's own path decoding keeps a
/// malformed or non-UTF-8 escape as literal text, so <c>/api/v1/s3/b/a%FF</c> would store the key that
/// <c>a%25FF</c> names. Refused as S3 refuses it (the S3 listener checks the same in its request parsing).
/// </summary>
internal static class StrictRequestTarget
{
    public static IApplicationBuilder UseStrictRequestTarget(this IApplicationBuilder app) => app.Use((context, next) =>
    {
        var raw = context.Features.Get<IHttpRequestFeature>()?.RawTarget;
        if (raw is { Length: > 0 } && !StrictPercentDecoding.TryDecode(raw, out _))
        {
            throw new ApiException(400, "InvalidURI", "Couldn't parse the specified URI.");
        }

        return next(context);
    });
}
