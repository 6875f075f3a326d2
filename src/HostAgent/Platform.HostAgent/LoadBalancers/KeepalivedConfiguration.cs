using System.Globalization;
using Platform.HostAgent.Protocol;

namespace Platform.HostAgent.LoadBalancers;

/// <summary>
/// Writes the keepalived 2.2 configuration (Debian 12's) of a load balancer node that has a peer in its zone: one VRRP
/// instance speaking unicast VRRPv3 from the node's address to its peer's over the VPC (no multicast crosses the tunnels),
/// both nodes starting BACKUP without preemption so a MASTER keeps the role until it fails, advertisements every 200 ms
/// (a dead MASTER is noticed after three missed ones plus the skew, well under a second). The MASTER holds the balancer's
/// public address on the namespace's loopback (what keepalived calls the virtual address; nothing routes to it there: the
/// server's edge translates the public address to the node's private one), or an internal balancer's virtual address on the
/// node's interface (so it answers ARP for it, and keepalived's gratuitous ARPs tell the VPC where it went), and the notify script writes the state to
/// <see cref="KeepalivedProcess.StateFile"/>, which the agent reads to decide whether its server answers for the address. A
/// check of the node's HAProxy (its master's pid file) every second puts a node whose HAProxy died into FAULT, so it gives
/// the address up.
/// </summary>
internal static class KeepalivedConfiguration
{
    public const string InstanceName = "node";

    public static string Write(DesiredLoadBalancerNode node, DesiredNodePeer peer, string interfaceName, string directory)
    {
        // An internal pair's address on the node's interface (the MASTER answers ARP for it, and keepalived's gratuitous ARPs move
        // it); a public one on the loopback (the server's edge translates it to the node's own address).
        var virtualAddress = node.VirtualIpAddress is { } internalAddress ? $"{internalAddress}/32 dev {interfaceName}"
            : node.PublicIpAddress is { } publicAddress ? $"{publicAddress}/32 dev lo"
            : throw new ArgumentException("A node of a pair has a public or a virtual address.", nameof(node));
        return string.Create(CultureInfo.InvariantCulture, $$"""
            # Written by the HostAgent for load balancer node {{node.NodeId}}; rewritten on every change.
            global_defs {
              router_id {{node.NodeId}}
              script_user root
              enable_script_security
            }

            vrrp_script haproxy {
              script "/bin/sh {{Path.Combine(directory, "check-haproxy.sh")}}"
              interval 1
              fall 1
              rise 1
            }

            vrrp_instance {{InstanceName}} {
              state BACKUP
              nopreempt
              interface {{interfaceName}}
              virtual_router_id {{peer.VirtualRouterId}}
              priority {{peer.Priority}}
              version 3
              advert_int 0.2
              unicast_src_ip {{node.PrivateIpAddress}}
              unicast_peer {
                {{peer.PrivateIpAddress}}
              }
              virtual_ipaddress {
                {{virtualAddress}}
              }
              track_script {
                haproxy
              }
              notify "/bin/sh {{Path.Combine(directory, "notify.sh")}}"
            }

            """);
    }

    /// <summary>keepalived's notify script: its third argument is the new state (MASTER, BACKUP, FAULT, STOP), written whole (rename).</summary>
    public static string NotifyScript(string stateFile) =>
        $"#!/bin/sh\nprintf '%s\\n' \"$3\" > '{stateFile}.new' && mv -f '{stateFile}.new' '{stateFile}'\n";

    /// <summary>HAProxy is alive when its master's pid (its own pid file) is a running process.</summary>
    public static string CheckScript(string haproxyPidFile) =>
        $"#!/bin/sh\n[ -s '{haproxyPidFile}' ] && kill -0 \"$(cat '{haproxyPidFile}')\" 2>/dev/null\n";
}
