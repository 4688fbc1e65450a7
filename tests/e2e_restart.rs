//! End to end: the broker restarts under the module. The module reports `+MQTTBREAK`, the
//! driver hands out `Event::Break` for each client and counts them closed, and they open again
//! and work. Against mosquitto this restarts the process (`FIBOCOM_MOSQUITTO_RESTART`), so this
//! test binary holds nothing else.

mod e2e;
use e2e::*;

use fibocom_mqtt::ClientId::{One, Two};
use fibocom_mqtt::{BreakCause, ConnState, QoS};

both!(broker_restart);

fn broker_restart(env: &Env) {
    let sim = env.sim();
    drive(&sim, config(), async |c| {
        online(c).await;
        open(c, env, One, "one").await;
        open(c, env, Two, "two").await;
        c.subscribe(One, &env.topic("in/#"), QoS::AtLeastOnce)
            .await
            .expect("subscribe");

        env.restart_broker().await;
        let mut breaks = vec![event(c).await, event(c).await];
        breaks.sort_by_key(|e| format!("{e:?}"));
        assert_eq!(
            breaks,
            vec![
                Ev::Break {
                    client: One,
                    cause: BreakCause::Broker
                },
                Ev::Break {
                    client: Two,
                    cause: BreakCause::Broker
                },
            ]
        );
        assert_eq!(c.state(One), ConnState::Closed);
        assert_eq!(c.state(Two), ConnState::Closed);
        // The +MQTTCLOSE lines after the breaks are absorbed.
        assert_eq!(events_until_quiet(c).await, vec![]);

        // Both open again (the sessions are gone: subscribe again) and work.
        let mut obs = env.observer("obs");
        obs.subscribe(&env.topic("out/#")).await;
        open(c, env, One, "one").await;
        open(c, env, Two, "two").await;
        assert_eq!(c.state(One), ConnState::Open);
        c.subscribe(One, &env.topic("in/#"), QoS::AtLeastOnce)
            .await
            .expect("subscribe again");
        let t = env.topic("in/after");
        obs.publish(&t, b"\x00again\r\n", QoS::AtLeastOnce, false);
        assert_eq!(
            event(c).await,
            msg(One, QoS::AtLeastOnce, &t, b"\x00again\r\n")
        );
        let (t1, t2) = (env.topic("out/1"), env.topic("out/2"));
        c.publish(One, &t1, b"one is back", QoS::AtLeastOnce, false)
            .await
            .expect("publish 1");
        c.publish(Two, &t2, b"two\0is back", QoS::ExactlyOnce, false)
            .await
            .expect("publish 2");
        assert_eq!(
            obs.exactly(2).await,
            vec![
                seen(&t1, b"one is back", QoS::AtLeastOnce, false),
                seen(&t2, b"two\0is back", QoS::ExactlyOnce, false),
            ]
        );
        let (r1, r2) = futures::join!(c.close(One), c.close(Two));
        assert_eq!((r1, r2), (Ok(()), Ok(())));
        assert_eq!(events_until_quiet(c).await, vec![]);
    });
}
