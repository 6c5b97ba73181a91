package dev.jobgateway.outputs;

import java.net.InetAddress;
import java.net.UnknownHostException;

/**
 * Turns a source's host name into addresses. The fetcher asks once per hop, checks the answer and connects to the
 * address it checked, so a name that answers differently the next time (DNS rebinding) cannot move the connection
 * elsewhere; tests put their own answers in.
 */
@FunctionalInterface
interface HostResolver {

    /** The system's resolver (the JVM's cache, then the OS). */
    HostResolver SYSTEM = InetAddress::getAllByName;

    InetAddress[] resolve(String host) throws UnknownHostException;
}
