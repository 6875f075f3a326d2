using System.Security.Cryptography;
using System.Text.Json;
using Platform.HostAgent.Protocol;

namespace Platform.HostAgent.Agent;

/// <summary>The host's identity and secret from enrolment, kept in <c>&lt;state&gt;/credential.json</c> (mode 0600).</summary>
public sealed record HostCredential(string HostId, string HostSecret, string AvailabilityZone, string ApiUrl)
{
    public const string FileName = "credential.json";

    public static HostCredential? Load(string stateDirectory)
    {
        var path = Path.Combine(stateDirectory, FileName);
        return File.Exists(path) ? JsonSerializer.Deserialize<HostCredential>(File.ReadAllText(path), AgentApi.Json) : null;
    }

    /// <summary>The secret a host not yet enrolled made for itself, kept until its credential is saved.</summary>
    public const string EnrolmentSecretFileName = "enrolment-secret";

    /// <summary>Written to a private temporary file, fsynced and renamed: a crash leaves the old credential or the new one.</summary>
    public void Save(string stateDirectory)
    {
        WritePrivately(stateDirectory, FileName, file => JsonSerializer.Serialize(file, this, AgentApi.Json));
        // The credential holds the secret now; the enrolment's copy has done its work.
        File.Delete(Path.Combine(stateDirectory, EnrolmentSecretFileName));
    }

    /// <summary>
    /// The secret this host enrols with: made (32 random bytes) and saved, 0600 and fsynced, before the first request,
    /// so an agent that dies after the API enrolled it but before it saved its credential asks again with the same
    /// token and the same secret, and the API answers the same host.
    /// </summary>
    public static string EnrolmentSecret(string stateDirectory)
    {
        var path = Path.Combine(stateDirectory, EnrolmentSecretFileName);
        if (File.Exists(path) && File.ReadAllText(path).Trim() is { Length: >= 32 } saved)
        {
            return saved;
        }

        var secret = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)).TrimEnd('=').Replace('+', '-').Replace('/', '_');
        WritePrivately(stateDirectory, EnrolmentSecretFileName, file => file.Write(System.Text.Encoding.ASCII.GetBytes(secret)));
        return secret;
    }

    private static void WritePrivately(string stateDirectory, string name, Action<Stream> write)
    {
        Directory.CreateDirectory(stateDirectory);
        var path = Path.Combine(stateDirectory, name);
        var temporary = path + ".tmp";
        using (var file = new FileStream(temporary, new FileStreamOptions
        {
            Mode = FileMode.Create,
            Access = FileAccess.Write,
            UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite,
        }))
        {
            write(file);
            file.Flush(flushToDisk: true);
        }

        File.Move(temporary, path, overwrite: true);
    }
}
