using System.Diagnostics;
using Platform.Api.Tests.TestEngine;

namespace Platform.Api.Tests.S3;

/// <summary>Runs a real aws CLI against an API process, with its root key and no configuration of the machine's own.</summary>
public static class AwsCli
{
    /// <summary>Debian's awscli 2.9 (deploy/install-prerequisites.sh installs it).</summary>
    public const string Debian = "/usr/bin/aws";

    /// <summary>pyenv's awscli 1.45 on botocore 1.43, which sends the newer default checksums (CRC32; as a trailer over TLS).</summary>
    public const string Pyenv = "/root/.pyenv/shims/aws";

    /// <returns>Standard output and standard error.</returns>
    public static async Task<(string Output, string Error)> RunAsync(string cli, ApiProcess api, string work, IReadOnlyDictionary<string, string>? environment,
        params string[] arguments)
    {
        Assert.True(File.Exists(cli), $"{cli} is missing");
        var credentials = api.RootCredentials();
        var start = new ProcessStartInfo(cli)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = work,
        };
        start.ArgumentList.Add("--endpoint-url");
        start.ArgumentList.Add(api.S3Address.ToString().TrimEnd('/'));
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        start.Environment["AWS_ACCESS_KEY_ID"] = credentials.AccessKeyId;
        start.Environment["AWS_SECRET_ACCESS_KEY"] = credentials.SecretAccessKey;
        start.Environment["AWS_DEFAULT_REGION"] = "us-east-1";
        start.Environment["AWS_CONFIG_FILE"] = Path.Combine(work, "no-config");
        start.Environment["AWS_SHARED_CREDENTIALS_FILE"] = Path.Combine(work, "no-credentials");
        start.Environment["AWS_PAGER"] = "";
        foreach (var (name, value) in environment ?? new Dictionary<string, string>())
        {
            start.Environment[name] = value;
        }

        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(5));
        await process.WaitForExitAsync(timeout.Token);
        Assert.True(process.ExitCode == 0, $"aws {string.Join(' ', arguments)} exited {process.ExitCode}: {await error}");
        return (await output, await error);
    }
}
