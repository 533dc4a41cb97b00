//! Group commit: the ingest API's events reach the disk together.
//!
//! Every accepted request hands its prepared event to one committer thread through a channel and
//! waits for its own answer. The committer takes whatever is queued (up to [`MAX_GROUP`]) and
//! stores it in one `IMMEDIATE`, fsynced transaction ([`crate::store::Db::write_synced`]);
//! requests that arrive meanwhile queue up and form the next group. So under load one fsync and
//! one commit serve many requests, and alone a request waits for nothing but its own commit.
//!
//! Each event runs in its own savepoint: an event whose insert fails is rolled back alone and
//! gets its own error, while the rest of the group commits. The key is not looked up again per
//! event: once per key per group, one `UPDATE` stamps its `last_used_at` and, by matching only a
//! live key, tells whether it was revoked or expired since the request checked it.

use std::sync::Arc;

use rusqlite::Transaction;
use tokio::sync::{mpsc, oneshot};

use crate::api_keys::{self, ApiKey, AuthError};
use crate::error::{Error, Result};
use crate::webhooks::events::Prepared;
use crate::webhooks::Emitted;
use crate::Switchboard;

/// The most events in one transaction: bounds how long one commit holds the writer.
pub(crate) const MAX_GROUP: usize = 1024;
/// Requests waiting for a commit before senders wait for room (backpressure, bounded memory).
const QUEUE: usize = 8 * MAX_GROUP;

/// One event waiting to be committed, and where its answer goes.
struct Job {
    key: Arc<ApiKey>,
    event: Prepared,
    reply: oneshot::Sender<Result<Emitted, AuthError>>,
}

/// The handle requests use to have their events committed. The committer thread stops once
/// every handle is dropped and the queue is empty.
#[derive(Clone)]
pub(crate) struct Committer {
    jobs: mpsc::Sender<Job>,
}

impl Committer {
    pub(crate) fn start(sb: Arc<Switchboard>) -> Result<Committer> {
        let (jobs, mut queue) = mpsc::channel::<Job>(QUEUE);
        std::thread::Builder::new()
            .name("ingest-commit".into())
            .spawn(move || {
                let mut group = Vec::with_capacity(MAX_GROUP);
                while let Some(first) = queue.blocking_recv() {
                    group.push(first);
                    while group.len() < MAX_GROUP {
                        match queue.try_recv() {
                            Ok(job) => group.push(job),
                            Err(_) => break,
                        }
                    }
                    commit(&sb, &mut group);
                }
            })
            .map_err(|e| Error::Internal(format!("could not start the ingest committer: {e}")))?;
        Ok(Committer { jobs })
    }

    /// Queues an event from `key` and resolves once it is on disk (or refused, or failed).
    pub(crate) async fn submit(
        &self,
        key: Arc<ApiKey>,
        event: Prepared,
    ) -> Result<Emitted, AuthError> {
        let (reply, answer) = oneshot::channel();
        let stopped = || AuthError::Core(Error::Internal("the ingest committer stopped".into()));
        self.jobs
            .send(Job { key, event, reply })
            .await
            .map_err(|_| stopped())?;
        answer.await.map_err(|_| stopped())?
    }
}

/// Commits `group` (emptying it) and answers every request in it.
fn commit(sb: &Switchboard, group: &mut Vec<Job>) {
    let outcome = sb.db().write_synced(|tx| store_group(tx, group));
    match outcome {
        Ok(results) => {
            if results
                .iter()
                .any(|r| matches!(r, Ok(e) if e.deliveries > 0))
            {
                sb.wake_worker();
            }
            if results
                .iter()
                .any(|r| matches!(r, Ok(e) if e.sync_jobs > 0))
            {
                sb.wake_sync();
            }
            for (job, result) in group.drain(..).zip(results) {
                // A caller that went away (client disconnected) is no reason to stop.
                let _ = job.reply.send(result);
            }
        }
        Err(e) => {
            tracing::error!(error = %e, events = group.len(), "an ingest group failed to commit");
            for job in group.drain(..) {
                let _ = job.reply.send(Err(AuthError::Core(copy(&e))));
            }
        }
    }
}

/// Stores each event of the group in its own savepoint. The outer `Err` fails the whole group
/// (the transaction itself broke); an inner one is that event's own answer.
fn store_group(tx: &Transaction<'_>, group: &[Job]) -> Result<Vec<Result<Emitted, AuthError>>> {
    api_keys::store_events(tx, group.iter().map(|j| (&*j.key, &j.event)))
}

/// The group's error for each of its requests, keeping what the caller is told (storage vs.
/// internal).
fn copy(e: &Error) -> Error {
    match e {
        Error::DatabaseLocked { path } => Error::DatabaseLocked { path: path.clone() },
        Error::DataDir { path, reason } => Error::DataDir {
            path: path.clone(),
            reason: reason.clone(),
        },
        Error::DatabaseCorrupt { path, reason } => Error::DatabaseCorrupt {
            path: path.clone(),
            reason: reason.clone(),
        },
        other => Error::Internal(other.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api_keys::{store_events as store, ApiKeyDraft, Refusal};
    use crate::webhooks::events;
    use crate::webhooks::EmitRequest;
    use crate::{Keychain, OpenOptions};

    fn open() -> (tempfile::TempDir, Arc<Switchboard>, ApiKey) {
        let dir = tempfile::tempdir().unwrap();
        let sb = Switchboard::open(OpenOptions {
            data_dir: Some(dir.path().to_owned()),
            keychain: Some(Keychain::in_memory()),
            ..Default::default()
        })
        .unwrap();
        let key = sb
            .create_api_key(
                &crate::Actor::admin_for_tests(),
                ApiKeyDraft {
                    name: "PMS".into(),
                    ..Default::default()
                },
            )
            .unwrap()
            .key;
        (dir, Arc::new(sb), key)
    }

    fn event(id: &str) -> Prepared {
        events::prepare(&EmitRequest {
            event_type: "test.ping".into(),
            data: "{}".into(),
            id: Some(id.into()),
        })
        .unwrap()
    }

    fn stored(sb: &Switchboard) -> Vec<String> {
        sb.db()
            .read(|c| {
                let mut s = c.prepare("SELECT id FROM webhook_events ORDER BY seq")?;
                let ids = s.query_map([], |r| r.get(0))?;
                Ok(ids.collect::<rusqlite::Result<_>>()?)
            })
            .unwrap()
    }

    #[test]
    fn an_event_whose_insert_fails_fails_alone_and_the_group_commits() {
        let (_d, sb, key) = open();
        sb.create_endpoint(
            &crate::Actor::admin_for_tests(),
            crate::webhooks::EndpointDraft {
                url: "https://example.com/hook".into(),
                ..Default::default()
            },
        )
        .unwrap();
        // Something only the database knows makes one event's delivery fail to insert (as a full
        // disk might) after its event row went in: that row must go too.
        sb.db()
            .write(|tx| {
                Ok(tx.execute_batch(
                    "CREATE TRIGGER refuse_bad BEFORE INSERT ON deliveries
                     WHEN NEW.event_id = 'evt_bad' BEGIN SELECT RAISE(ABORT, 'no'); END",
                )?)
            })
            .unwrap();
        let group = [
            event("evt_1"),
            event("evt_bad"),
            event("evt_2"),
            event("evt_1"),
        ];
        let results = sb
            .db()
            .write_synced(|tx| store(tx, group.iter().map(|e| (&key, e))))
            .unwrap();
        assert!(matches!(&results[0], Ok(e) if !e.duplicate));
        assert!(
            matches!(&results[1], Err(AuthError::Core(_))),
            "{:?}",
            results[1]
        );
        assert!(matches!(&results[2], Ok(e) if !e.duplicate));
        assert!(
            matches!(&results[3], Ok(e) if e.duplicate),
            "a repeated id in one group is stored once"
        );
        assert_eq!(
            stored(&sb),
            ["evt_1", "evt_2"],
            "nothing of evt_bad is left"
        );
        let deliveries: i64 = sb
            .db()
            .read(|c| Ok(c.query_row("SELECT count(*) FROM deliveries", [], |r| r.get(0))?))
            .unwrap();
        assert_eq!(deliveries, 2);
    }

    #[test]
    fn a_key_revoked_before_the_commit_is_refused_there() {
        let (_d, sb, key) = open();
        sb.revoke_api_key(&crate::Actor::admin_for_tests(), &key.id)
            .unwrap();
        let e = event("evt_late");
        let results = sb
            .db()
            .write_synced(|tx| store(tx, std::iter::once((&key, &e))))
            .unwrap();
        assert!(matches!(
            &results[0],
            Err(AuthError::Refused(Refusal::Revoked(_)))
        ));
        assert!(stored(&sb).is_empty());
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn concurrent_submissions_share_synced_commits_and_each_gets_its_answer() {
        let (_d, sb, key) = open();
        let key = Arc::new(key);
        let committer = Committer::start(Arc::clone(&sb)).unwrap();
        let before = sb.db().synced_commits();
        let mut tasks = tokio::task::JoinSet::new();
        for i in 0..400 {
            let (committer, key) = (committer.clone(), Arc::clone(&key));
            tasks.spawn(async move {
                let id = format!("evt_{i}");
                let answer = committer.submit(key, event(&id)).await.unwrap();
                assert_eq!(answer.event_id, id, "each request gets its own answer");
            });
        }
        while let Some(done) = tasks.join_next().await {
            done.unwrap();
        }
        assert_eq!(stored(&sb).len(), 400);
        let commits = sb.db().synced_commits() - before;
        assert!(
            (1..400).contains(&commits),
            "{commits} fsynced commits for 400 concurrent events: not grouped"
        );
    }
}
