package dev.jobgateway.push.realtime;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BiConsumer;

import jakarta.enterprise.context.ApplicationScoped;

import org.jboss.logging.Logger;

import com.fasterxml.jackson.databind.ObjectMapper;

import dev.jobgateway.job.JobRecords;
import dev.jobgateway.push.JobEvent;
import dev.jobgateway.waiting.Waits;

/**
 * The realtime endpoint's subscriptions by job: one watch on the change feed per job subscribed on this instance,
 * however many subscribers it has; on each change the job is read once and its event goes to every subscriber.
 * Reads of one job never overlap (a change during a read triggers one more read after it), so subscribers see
 * versions in order; an event no newer than the last one sent is not sent again.
 */
@ApplicationScoped
class JobFanOut {

    private static final Logger LOG = Logger.getLogger(JobFanOut.class);

    /** One subscription: the event goes to {@code send} with the subscription's id. */
    record Subscriber(String subscriptionId, BiConsumer<String, String> send) {
    }

    private final class Topic {
        final String jobId;
        final Set<Subscriber> subscribers = ConcurrentHashMap.newKeySet();
        final AtomicBoolean reading = new AtomicBoolean();
        final AtomicBoolean again = new AtomicBoolean();
        volatile long sentVersion;
        volatile Waits.Watch watch;

        Topic(String jobId) {
            this.jobId = jobId;
        }
    }

    private final ConcurrentHashMap<String, Topic> topics = new ConcurrentHashMap<>();
    private final Waits waits;
    private final JobRecords jobs;
    private final ObjectMapper json;

    JobFanOut(Waits waits, JobRecords jobs, ObjectMapper json) {
        this.waits = waits;
        this.jobs = jobs;
        this.json = json;
    }

    /** From now on, every change of the job reaches {@code subscriber}. */
    void subscribe(String jobId, Subscriber subscriber) {
        boolean[] created = { false };
        Topic topic = topics.compute(jobId, (id, existing) -> {
            Topic current = existing == null ? new Topic(id) : existing;
            created[0] = existing == null;
            current.subscribers.add(subscriber);
            return current;
        });
        if (created[0]) {
            // Registered before subscribe_success goes out: a change after it is announced to this watch.
            topic.watch = waits.watch(jobId, () -> changed(topic));
        }
    }

    void unsubscribe(String jobId, Subscriber subscriber) {
        topics.computeIfPresent(jobId, (id, topic) -> {
            topic.subscribers.remove(subscriber);
            if (!topic.subscribers.isEmpty()) {
                return topic;
            }
            if (topic.watch != null) {
                topic.watch.close();
            }
            return null;
        });
    }

    /** Jobs with at least one subscriber on this instance. */
    int jobs() {
        return topics.size();
    }

    private void changed(Topic topic) {
        topic.again.set(true);
        if (!topic.reading.compareAndSet(false, true)) {
            return; // the read under way reads again when it ends
        }
        read(topic);
    }

    private void read(Topic topic) {
        topic.again.set(false);
        jobs.find(topic.jobId).subscribe().with(found -> {
            found.ifPresent(job -> {
                if (job.version() > topic.sentVersion) {
                    topic.sentVersion = job.version();
                    String event = JobEvent.of(json, jobs.view(job), jobs.viewJson(job), JobEvent.MAX_BYTES).json();
                    topic.subscribers
                            .forEach(subscriber -> subscriber.send().accept(subscriber.subscriptionId(), event));
                }
            });
            done(topic);
        }, failure -> {
            LOG.debugf("Realtime read of %s failed (%s); subscribers read on their own", topic.jobId, failure);
            done(topic);
        });
    }

    private void done(Topic topic) {
        topic.reading.set(false);
        if (topic.again.get() && topics.get(topic.jobId) == topic && topic.reading.compareAndSet(false, true)) {
            read(topic);
        }
    }
}
