package dev.jobgateway.push;

/**
 * Present (as a bean) when this build serves the realtime endpoint itself: the plain-HTTP build only, whose sources
 * under {@code src/http/java} the Lambda build does not compile (docs/development.md).
 */
public interface LocalRealtime {

    /** Where the endpoint is: Amplify's events client derives {@code <endpoint>/realtime} from {@code <base>/event}. */
    String PATH = "/event/realtime";
}
