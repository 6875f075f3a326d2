using System.ComponentModel;
using System.Diagnostics;
using System.Globalization;
using System.Text;
using Platform.HostAgent.Protocol;

namespace Platform.HostAgent.Images;

/// <summary>
/// What an instance is told about itself, as cloud-init's NoCloud data source reads it: an ISO 9660 disk
/// labelled <c>cidata</c> holding <c>meta-data</c> (instance id, host name, SSH public keys), <c>user-data</c>
/// (EC2's user data, decoded) and <c>network-config</c> (version 2: each NIC matched by its MAC address, its
/// address and prefix, the default route through the subnet's gateway). Cloud images apply it at first boot;
/// the test image reads the same files.
/// </summary>
public static class ConfigDrive
{
    public const string Label = "cidata";

    public static IReadOnlyDictionary<string, byte[]> Files(DesiredInstance instance)
    {
        var nics = instance.Interfaces ?? [];
        var hostName = nics.Count > 0 ? $"ip-{nics[0].PrivateIpAddress.Replace('.', '-')}" : instance.InstanceId;

        var meta = new StringBuilder()
            .Append(CultureInfo.InvariantCulture, $"instance-id: {instance.InstanceId}\n")
            .Append(CultureInfo.InvariantCulture, $"local-hostname: {hostName}\n");
        if (instance.PublicKey is { } key)
        {
            meta.Append("public-keys:\n").Append(CultureInfo.InvariantCulture, $"  - \"{Escape(key.Trim())}\"\n");
        }

        var files = new Dictionary<string, byte[]>(StringComparer.Ordinal)
        {
            ["meta-data"] = Encoding.UTF8.GetBytes(meta.ToString()),
            ["user-data"] = instance.UserData is { } data ? Convert.FromBase64String(data) : [],
        };
        if (nics.Count > 0)
        {
            files["network-config"] = Encoding.UTF8.GetBytes(NetworkConfig(nics));
        }

        return files;
    }

    /// <summary>cloud-init's network config version 2 (netplan's form).</summary>
    public static string NetworkConfig(IReadOnlyList<DesiredInterface> nics)
    {
        var text = new StringBuilder("version: 2\nethernets:\n");
        for (var i = 0; i < nics.Count; i++)
        {
            var nic = nics[i];
            text.Append(CultureInfo.InvariantCulture, $"  eth{i}:\n")
                .Append("    match:\n")
                .Append(CultureInfo.InvariantCulture, $"      macaddress: \"{nic.MacAddress}\"\n")
                .Append(CultureInfo.InvariantCulture, $"    set-name: eth{i}\n")
                .Append("    addresses:\n")
                .Append(CultureInfo.InvariantCulture, $"      - {nic.PrivateIpAddress}/{nic.PrefixLength}\n");
            if (i == 0)
            {
                text.Append("    routes:\n")
                    .Append("      - to: 0.0.0.0/0\n")
                    .Append(CultureInfo.InvariantCulture, $"        via: {nic.Gateway}\n");
            }
        }

        return text.ToString();
    }

    /// <summary>
    /// Writes the files as an ISO 9660 image (Rock Ridge and Joliet names, so <c>meta-data</c> keeps its
    /// name) with genisoimage, Debian's package of the same name.
    /// </summary>
    public static void WriteIso(IReadOnlyDictionary<string, byte[]> files, string isoPath)
    {
        var staging = Directory.CreateTempSubdirectory("platform-config-drive-");
        try
        {
            foreach (var (name, bytes) in files)
            {
                File.WriteAllBytes(Path.Combine(staging.FullName, name), bytes);
            }

            var start = new ProcessStartInfo("genisoimage")
            {
                RedirectStandardError = true,
                RedirectStandardOutput = true,
                ArgumentList = { "-quiet", "-output", isoPath, "-volid", Label, "-joliet", "-rock", staging.FullName },
            };
            Process process;
            try
            {
                process = Process.Start(start) ?? throw new InvalidOperationException("genisoimage did not start.");
            }
            catch (Win32Exception e)
            {
                throw new InvalidOperationException("genisoimage is needed for config drives: apt-get install genisoimage.", e);
            }

            using (process)
            {
                var errors = process.StandardError.ReadToEndAsync();
                process.StandardOutput.ReadToEnd();
                process.WaitForExit();
                if (process.ExitCode != 0)
                {
                    throw new InvalidOperationException($"genisoimage failed ({process.ExitCode}): {errors.Result.Trim()}");
                }
            }
        }
        finally
        {
            staging.Delete(recursive: true);
        }
    }

    private static string Escape(string value) => value.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal);
}
