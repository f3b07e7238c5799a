//! Compile-fail cases for `#[route]`: each mistake is an error at the right span.
//!
//! Regenerate the `.stderr` files after an intended message change with
//! `TRYBUILD=overwrite cargo test -p route-macros --test ui`, then review the diff.

#[test]
fn route_mistakes_are_compile_errors() {
    let cases = trybuild::TestCases::new();
    cases.compile_fail("tests/ui/fail/*.rs");
}
