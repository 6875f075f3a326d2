using System.Diagnostics;
using System.Text;
using Platform.HostAgent.Images;
using Platform.HostAgent.Protocol;

namespace Platform.HostAgent.Tests;

public sealed class ConfigDriveTests
{
    private static readonly DesiredInstance Instance = new("i-0123456789abcdef0", 1, 512, DesiredPower.Running,
        new GuestImage("ami-0123456789abcdef0", ImageFormat.Qcow2), "platform.marker=i-0123456789abcdef0",
        Interfaces:
        [
            new DesiredInterface("eni-0123456789abcdef0", "02:00:0a:00:01:05", "10.0.1.5", 24, "10.0.1.1", "vpc-1", 7, [], []),
            new DesiredInterface("eni-0123456789abcdef1", "02:00:0a:00:02:09", "10.0.2.9", 26, "10.0.2.1", "vpc-1", 7, [], []),
        ],
        PublicKey: "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIKey user@laptop\n",
        UserData: Convert.ToBase64String("#!/bin/sh\necho hello\n"u8.ToArray()));

    [Fact]
    public void Meta_data_names_the_instance_and_its_key_and_host_name_as_ec2_does()
    {
        var meta = Encoding.UTF8.GetString(ConfigDrive.Files(Instance)["meta-data"]);

        Assert.Equal("instance-id: i-0123456789abcdef0\nlocal-hostname: ip-10-0-1-5\npublic-keys:\n  - \"ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIKey user@laptop\"\n", meta);
    }

    [Fact]
    public void User_data_is_the_tenants_bytes_decoded_and_empty_when_none_was_given()
    {
        Assert.Equal("#!/bin/sh\necho hello\n"u8.ToArray(), ConfigDrive.Files(Instance)["user-data"]);

        var bare = ConfigDrive.Files(Instance with { UserData = null, PublicKey = null, Interfaces = null });
        Assert.Empty(bare["user-data"]);
        Assert.False(bare.ContainsKey("network-config"));
        Assert.Equal("instance-id: i-0123456789abcdef0\nlocal-hostname: i-0123456789abcdef0\n", Encoding.UTF8.GetString(bare["meta-data"]));
    }

    [Fact]
    public void Network_config_matches_each_nic_by_mac_and_routes_by_default_through_the_first()
    {
        var config = Encoding.UTF8.GetString(ConfigDrive.Files(Instance)["network-config"]);

        Assert.Equal("""
            version: 2
            ethernets:
              eth0:
                match:
                  macaddress: "02:00:0a:00:01:05"
                set-name: eth0
                addresses:
                  - 10.0.1.5/24
                routes:
                  - to: 0.0.0.0/0
                    via: 10.0.1.1
              eth1:
                match:
                  macaddress: "02:00:0a:00:02:09"
                set-name: eth1
                addresses:
                  - 10.0.2.9/26

            """.ReplaceLineEndings("\n"), config);
    }

    [Fact]
    public void The_iso_is_labelled_cidata_and_keeps_the_file_names_cloud_init_looks_for()
    {
        var work = Directory.CreateTempSubdirectory("platform-config-drive-test-").FullName;
        try
        {
            var iso = Path.Combine(work, "drive.iso");
            ConfigDrive.WriteIso(ConfigDrive.Files(Instance), iso);

            Assert.Contains("Volume id: cidata", IsoInfo("-d", "-i", iso), StringComparison.Ordinal);
            var listing = IsoInfo("-R", "-f", "-i", iso);
            Assert.Equal(["/meta-data", "/network-config", "/user-data"], listing.Split('\n', StringSplitOptions.RemoveEmptyEntries).Order(StringComparer.Ordinal));
            Assert.Equal("#!/bin/sh\necho hello\n", IsoInfo("-R", "-x", "/user-data", "-i", iso));
        }
        finally
        {
            Directory.Delete(work, recursive: true);
        }
    }

    private static string IsoInfo(params string[] arguments)
    {
        var start = new ProcessStartInfo("isoinfo") { RedirectStandardOutput = true };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        Assert.Equal(0, process.ExitCode);
        return output;
    }
}
