package dev.jobgateway.platform;

/**
 * A Redis command that did not answer in time, failed because Redis was down, or was refused because Redis does not
 * accept the gateway's credentials (a setting to fix). Fired as a CDI event by {@link SharedConnection#guard} once per
 * failed command; the meters observe it.
 */
public enum StoreFailure {
    TIMEOUT,
    OUTAGE,
    MISCONFIGURATION
}
