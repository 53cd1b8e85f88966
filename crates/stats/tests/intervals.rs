//! Intervals and quantiles against known values: Wilson intervals, Student's
//! t quantiles (table values, and 17 digits computed with mpmath), the
//! Student's t interval of a mean, percentiles.

// Reference values are written with the digits they were computed to.
#![allow(clippy::excessive_precision)]

use arena_stats::{
    Interval, StatsError, mean_interval, normal_quantile, percentile, t_quantile, wilson,
};

#[test]
fn wilson_known_values() {
    #[track_caller]
    fn check(successes: f64, n: f64, confidence: f64, lo: f64, hi: f64) {
        let got = wilson(successes, n, confidence).unwrap();
        assert!(
            (got.lo - lo).abs() < 1e-12 && (got.hi - hi).abs() < 1e-12,
            "{successes}/{n} at {confidence}: {got:?}, expected [{lo}, {hi}]"
        );
    }
    check(0.0, 10.0, 0.95, 0.0, 0.277_532_799_862_889_15);
    check(
        5.0,
        10.0,
        0.95,
        0.236_593_090_512_564_05,
        0.763_406_909_487_436,
    );
    check(10.0, 10.0, 0.95, 0.722_467_200_137_110_9, 1.0);
    check(
        1.0,
        3.0,
        0.9,
        0.078_265_726_333_728_47,
        0.746_466_131_718_775_7,
    );
    // Three wins and three draws in ten games.
    check(
        4.5,
        10.0,
        0.95,
        0.201_422_969_598_607_23,
        0.726_330_310_387_681_7,
    );
    check(
        80.0,
        100.0,
        0.99,
        0.679_826_467_384_555_2,
        0.882_841_119_985_951,
    );
    // No games, no information.
    check(0.0, 0.0, 0.95, 0.0, 1.0);
}

#[test]
fn t_quantiles_match_tables() {
    #[track_caller]
    fn check(p: f64, df: f64, expected: f64, tolerance: f64) {
        let got = t_quantile(p, df).unwrap();
        assert!(
            (got - expected).abs() <= tolerance * expected.abs().max(1.0),
            "t({p}, {df}) = {got}, expected {expected}"
        );
        let mirrored = t_quantile(1.0 - p, df).unwrap();
        assert!(
            (mirrored + got).abs() <= 1e-12 * got.abs().max(1.0),
            "t({}, {df}) = {mirrored}",
            1.0 - p
        );
    }
    // Printed tables, four decimals.
    check(0.975, 1.0, 12.706, 1e-4);
    check(0.975, 10.0, 2.228, 1e-3);
    check(0.975, 30.0, 2.042, 1e-3);
    // mpmath at 40 digits, inverting the regularised incomplete beta.
    for (p, df, expected) in [
        (0.975, 1.0, 12.706_204_736_174_693),
        (0.975, 2.0, 4.302_652_729_749_461_8),
        (0.975, 3.0, 3.182_446_305_283_708_4),
        (0.975, 5.0, 2.570_581_835_636_314_8),
        (0.975, 10.0, 2.228_138_851_986_274_2),
        (0.975, 30.0, 2.042_272_456_301_237_9),
        (0.975, 120.0, 1.979_930_405_082_440_5),
        (0.995, 5.0, 4.032_142_983_555_227_2),
        (0.95, 3.0, 2.353_363_434_801_822_9),
        (0.9, 20.0, 1.325_340_706_985_046_5),
        (0.999, 10.0, 4.143_700_494_046_589_1),
        (0.9995, 4.0, 8.610_301_581_379_522_8),
        (0.9999, 3.0, 22.203_742_273_205_002),
        (0.6, 7.0, 0.263_166_861_352_022_75),
        (0.975, 2.5, 3.574_654_842_003_681_8),
        (0.975, 1e5, 1.959_987_707_534_609_3),
        (0.975, 1e6, 1.959_966_356_814_106_7),
    ] {
        check(p, df, expected, 1e-11);
    }
    // Large samples tend to the normal quantile.
    check(0.975, f64::INFINITY, 1.959_963_984_540_054, 1e-15);
    assert_eq!(t_quantile(0.5, 7.0).unwrap(), 0.0);
}

#[test]
fn normal_quantiles() {
    for (p, expected) in [
        (0.5, 0.0),
        (0.975, 1.959_963_984_540_054),
        (0.995, 2.575_829_303_548_901),
        (0.841_344_746_068_542_9, 1.0),
        (1e-10, -6.361_340_902_404_056),
    ] {
        let got = normal_quantile(p).unwrap();
        assert!(
            (got - expected).abs() < 1e-12 * expected.abs().max(1.0),
            "z({p}) = {got}"
        );
    }
}

#[test]
fn mean_interval_uses_student_t() {
    let ci = mean_interval(&[2.0, 4.0, 6.0], 0.95).unwrap();
    // s = 2, n = 3: mean ± t(0.975, 2) · 2 / √3.
    let half = 4.302_652_729_749_461_8 * 2.0 / 3f64.sqrt();
    assert_eq!((ci.mean, ci.n), (4.0, 3));
    assert!(
        (ci.lo - (4.0 - half)).abs() < 1e-12 && (ci.hi - (4.0 + half)).abs() < 1e-12,
        "{ci:?}"
    );
    // No spread: the interval is the point.
    let flat = mean_interval(&[1.5; 8], 0.9).unwrap();
    assert_eq!((flat.lo, flat.mean, flat.hi), (1.5, 1.5, 1.5));
    // Big blinds per 100 hands over 200 duplicate pairs: close to ± 1.97 s/√n.
    let samples: Vec<f64> = (0..200).map(|i| f64::from(i % 7) - 3.0).collect();
    let ci = mean_interval(&samples, 0.95).unwrap();
    assert!(ci.lo < ci.mean && ci.mean < ci.hi);
}

#[test]
fn percentile_interpolates_between_ranks() {
    #[track_caller]
    fn check(values: &[f64], p: f64, expected: f64) {
        let got = percentile(values, p).unwrap();
        assert!(
            (got - expected).abs() < 1e-12,
            "p{p} of {values:?} = {got}, expected {expected}"
        );
    }
    let twenty: Vec<f64> = (1..=20).map(f64::from).collect();
    check(&[4.0, 1.0, 3.0, 2.0], 50.0, 2.5);
    check(&[4.0, 1.0, 3.0, 2.0], 0.0, 1.0);
    check(&[4.0, 1.0, 3.0, 2.0], 100.0, 4.0);
    check(&twenty, 95.0, 19.05);
    check(&twenty, 50.0, 10.5);
    check(&[7.0], 95.0, 7.0);
    check(&[1.0, 1.0, 1.0, 9.0], 50.0, 1.0);
}

#[test]
fn bad_input_is_a_typed_error() {
    #[track_caller]
    fn check<T: std::fmt::Debug>(result: Result<T, StatsError>, expected: StatsError) {
        assert_eq!(result.unwrap_err(), expected);
    }
    check(wilson(1.0, 10.0, 0.0), StatsError::InvalidConfidence(0.0));
    check(wilson(1.0, 10.0, 1.0), StatsError::InvalidConfidence(1.0));
    assert!(matches!(
        wilson(11.0, 10.0, 0.95),
        Err(StatsError::InvalidParameter {
            name: "successes",
            ..
        })
    ));
    assert!(matches!(
        wilson(-1.0, 10.0, 0.95),
        Err(StatsError::InvalidParameter {
            name: "successes",
            ..
        })
    ));
    assert!(matches!(
        wilson(f64::NAN, 10.0, 0.95),
        Err(StatsError::InvalidParameter {
            name: "successes",
            ..
        })
    ));
    assert!(matches!(
        wilson(1.0, f64::INFINITY, 0.95),
        Err(StatsError::InvalidParameter { name: "n", .. })
    ));
    assert!(matches!(
        wilson(0.0, -1.0, 0.95),
        Err(StatsError::InvalidParameter { name: "n", .. })
    ));
    assert!(matches!(
        wilson(0.5, 1.0, f64::NAN),
        Err(StatsError::InvalidConfidence(_))
    ));
    check(
        mean_interval(&[], 0.95),
        StatsError::TooFewSamples { needed: 2, got: 0 },
    );
    check(
        mean_interval(&[1.0], 0.95),
        StatsError::TooFewSamples { needed: 2, got: 1 },
    );
    check(
        mean_interval(&[1.0, f64::NAN], 0.95),
        StatsError::NonFinite { index: 1 },
    );
    check(
        mean_interval(&[1.0, 2.0], 1.5),
        StatsError::InvalidConfidence(1.5),
    );
    check(percentile(&[], 50.0), StatsError::NoSamples);
    check(
        percentile(&[1.0, f64::INFINITY], 50.0),
        StatsError::NonFinite { index: 1 },
    );
    assert!(matches!(
        percentile(&[1.0], 101.0),
        Err(StatsError::InvalidParameter { name: "p", .. })
    ));
    assert!(matches!(
        percentile(&[1.0], f64::NAN),
        Err(StatsError::InvalidParameter { name: "p", .. })
    ));
    for p in [0.0, 1.0, f64::NAN] {
        assert!(matches!(
            t_quantile(p, 5.0),
            Err(StatsError::InvalidParameter { name: "p", .. })
        ));
        assert!(matches!(
            normal_quantile(p),
            Err(StatsError::InvalidParameter { name: "p", .. })
        ));
    }
    for df in [0.0, -3.0, f64::NAN] {
        assert!(matches!(
            t_quantile(0.9, df),
            Err(StatsError::InvalidParameter { name: "df", .. })
        ));
    }
    // An empty interval type is never produced; the no-information case is [0, 1].
    assert_eq!(
        wilson(0.0, 0.0, 0.5).unwrap(),
        Interval { lo: 0.0, hi: 1.0 }
    );
}
