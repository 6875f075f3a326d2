using System.Runtime.Versioning;

// The agent drives libvirt, QEMU and Open vSwitch: it runs on Linux servers only.
[assembly: SupportedOSPlatform("linux")]
