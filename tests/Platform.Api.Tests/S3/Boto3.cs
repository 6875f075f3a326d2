using System.Diagnostics;
using System.Text.Json;
using Platform.Api.Tests.TestEngine;

namespace Platform.Api.Tests.S3;

/// <summary>
/// Runs a Python script with pyenv's boto3 (1.43) against an API process: the script gets <c>s3</c>, a client for the API's
/// S3 listener signed with its root key, and <c>ClientError</c>; it prints one JSON document, which is returned. The API's own
/// address is in <c>PLATFORM_API</c> (its CA in <c>AWS_CA_BUNDLE</c> when it serves TLS) for the other services' clients.
/// </summary>
public static class Boto3
{
    public const string Python = "/root/.pyenv/versions/3.11.7/bin/python3";

    private const string Prelude = """
        import json, os, sys
        import boto3
        from botocore.config import Config
        from botocore.exceptions import ClientError
        s3 = boto3.client("s3", endpoint_url=os.environ["PLATFORM_S3"], region_name="us-east-1",
                          aws_access_key_id=os.environ["PLATFORM_KEY"], aws_secret_access_key=os.environ["PLATFORM_SECRET"],
                          config=Config(s3={"addressing_style": "path"}, retries={"max_attempts": 1}))
        def code_of(call):
            try:
                call()
                return "ok"
            except ClientError as e:
                return "%s %s" % (e.response["ResponseMetadata"]["HTTPStatusCode"], e.response["Error"]["Code"])

        """;

    public static async Task<JsonElement> RunAsync(ApiProcess api, string work, string script)
    {
        Assert.True(File.Exists(Python), $"{Python} is missing");
        var path = Path.Combine(work, $"boto3-{Guid.NewGuid():N}.py");
        await File.WriteAllTextAsync(path, Prelude + script);
        var credentials = api.RootCredentials();
        var start = new ProcessStartInfo(Python) { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = work };
        start.ArgumentList.Add(path);
        start.Environment["PLATFORM_S3"] = api.S3Address.ToString().TrimEnd('/');
        start.Environment["PLATFORM_KEY"] = credentials.AccessKeyId;
        start.Environment["PLATFORM_SECRET"] = credentials.SecretAccessKey;
        start.Environment["PLATFORM_API"] = api.BaseAddress.ToString().TrimEnd('/');
        if (api.CaCertificatePath is { } ca)
        {
            start.Environment["AWS_CA_BUNDLE"] = ca;
        }

        start.Environment["AWS_CONFIG_FILE"] = Path.Combine(work, "no-config");
        start.Environment["AWS_SHARED_CREDENTIALS_FILE"] = Path.Combine(work, "no-credentials");
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(5));
        await process.WaitForExitAsync(timeout.Token);
        Assert.True(process.ExitCode == 0, $"boto3 script exited {process.ExitCode}: {await error}");
        using var document = JsonDocument.Parse(await output);
        return document.RootElement.Clone();
    }
}
