// The cloud with nothing simulated: each class runs the API and a HostAgent as processes on this machine's libvirtd
// and Open vSwitch, with real QEMU guests. They run one at a time here (2 cores, guests under TCG), while
// Platform.Api.Tests' in-process tests run beside them in their own assembly.
[assembly: CollectionBehavior(DisableTestParallelization = true)]
