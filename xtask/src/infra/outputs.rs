//! The `deployed_image_tag` output, which deploy phase 1 re-applies, names
//! the image the function runs: it is read from the function's `image_uri`,
//! never from `var.image_tag`.
//!
//! Terraform does not evaluate an output whose resource failed to apply, so
//! the state keeps the previous value after a failed phase 3 only if the
//! output depends on the function: an output of `var.image_tag` alone is
//! evaluated whatever happens to the function and records the image that
//! failed, which every later deploy's phase 1 then re-applies and fails on.
//! The test evaluates the output's expression with hcl-rs, given the
//! functions it calls with Terraform's semantics.

use hcl::Value;
use hcl::eval::{Context, Evaluate, FuncArgs, FuncDef, ParamType};
use hcl::expr::Expression;

use super::terraform;

/// The expression of `output "name"` in outputs.tf.
fn output(name: &str) -> Expression {
    let outputs = terraform("outputs.tf");
    let block = outputs
        .blocks()
        .find(|block| block.identifier() == "output" && block.labels().iter().map(|label| label.as_str()).eq([name]))
        .unwrap_or_else(|| panic!("outputs.tf lacks output {name}"));
    super::attribute(block, "value")
        .cloned()
        .unwrap_or_else(|| panic!("output {name} has no value"))
}

/// Terraform's `one(list)`: null for an empty list, its element for one,
/// an error for more.
fn one(args: FuncArgs) -> Result<Value, String> {
    match args.first() {
        Some(Value::Array(items)) => match items.as_slice() {
            [] => Ok(Value::Null),
            [item] => Ok(item.clone()),
            _ => Err(format!("one: {} elements", items.len())),
        },
        other => Err(format!("one: not a list: {other:?}")),
    }
}

/// Terraform's `reverse(list)`.
fn reverse(args: FuncArgs) -> Result<Value, String> {
    match args.first() {
        Some(Value::Array(items)) => Ok(Value::Array(items.iter().rev().cloned().collect())),
        other => Err(format!("reverse: not a list: {other:?}")),
    }
}

/// Terraform's `split(separator, string)`.
fn split(args: FuncArgs) -> Result<Value, String> {
    match (args.first(), args.get(1)) {
        (Some(Value::String(separator)), Some(Value::String(text))) => {
            Ok(Value::Array(text.split(separator.as_str()).map(Value::from).collect()))
        }
        other => Err(format!("split: not two strings: {other:?}")),
    }
}

/// The state of a deploy as the outputs see it: the variables of the apply
/// and the image each instance of `aws_lambda_function.api` runs.
fn context(deploy_lambda: bool, image_tag: &str, functions: &[&str]) -> Context<'static> {
    let mut ctx = Context::new();
    ctx.declare_func("one", FuncDef::builder().param(ParamType::Any).build(one));
    ctx.declare_func("reverse", FuncDef::builder().param(ParamType::Any).build(reverse));
    ctx.declare_func(
        "split",
        FuncDef::builder()
            .params([ParamType::String, ParamType::String])
            .build(split),
    );
    let var: hcl::Map<String, Value> = [
        ("deploy_lambda".to_owned(), Value::from(deploy_lambda)),
        ("image_tag".to_owned(), Value::from(image_tag)),
    ]
    .into_iter()
    .collect();
    ctx.declare_var("var", Value::Object(var));
    let instances: Vec<Value> = functions
        .iter()
        .map(|uri| {
            let attributes: hcl::Map<String, Value> =
                [("image_uri".to_owned(), Value::from(*uri))].into_iter().collect();
            Value::Object(attributes)
        })
        .collect();
    let api: hcl::Map<String, Value> = [("api".to_owned(), Value::Array(instances))].into_iter().collect();
    ctx.declare_var("aws_lambda_function", Value::Object(api));
    ctx
}

/// `expr` evaluated in `ctx`.
fn eval(expr: &Expression, ctx: &Context) -> Value {
    expr.evaluate(ctx)
        .unwrap_or_else(|err| panic!("{expr} does not evaluate: {err}"))
}

/// The repository URL the function's image lives in, as ECR names it.
const REPOSITORY: &str = "123456789012.dkr.ecr.eu-west-1.amazonaws.com/lifestyle-api-prod-api-handler";

#[test]
fn the_deployed_image_tag_is_read_from_the_function_not_from_the_variable() {
    let expr = output("deployed_image_tag");
    let text = expr.to_string();
    assert!(
        text.contains("aws_lambda_function.api") && text.contains("image_uri"),
        "deployed_image_tag must come from the function's image_uri: {text}"
    );
    assert!(
        !text.contains("var.image_tag"),
        "deployed_image_tag must not come from var.image_tag, which a failed apply records too: {text}"
    );

    // Phase 1 of the first deploy (deploy_lambda = false): no function, no
    // tag, which phase 1 of the next deploy reads as "no Lambda deployed yet".
    assert_eq!(eval(&expr, &context(false, "", &[])), Value::Null);

    // A deploy that worked: the tag of the image the function runs.
    let good = format!("{REPOSITORY}:1f0c2d9");
    assert_eq!(eval(&expr, &context(true, "1f0c2d9", &[&good])), Value::from("1f0c2d9"));

    // Phase 3 asked for image 9bad000 and the function update failed: the
    // function (in AWS, and in the state once refreshed) still runs
    // 1f0c2d9. (Terraform does not even evaluate the output then: the
    // previous value stays.) The output names the image that runs.
    assert_eq!(eval(&expr, &context(true, "9bad000", &[&good])), Value::from("1f0c2d9"));

    // What the output used to be names the failed image in that state: the
    // evaluation above is what tells the two apart.
    let by_variable: Expression = hcl::from_str::<hcl::Body>("value = var.deploy_lambda ? var.image_tag : null")
        .ok()
        .and_then(|body| body.attributes().next().map(|attribute| attribute.expr().clone()))
        .unwrap_or_else(|| panic!("the former expression does not parse"));
    assert_eq!(
        eval(&by_variable, &context(true, "9bad000", &[&good])),
        Value::from("9bad000")
    );
}

#[test]
fn the_terraform_functions_the_test_supplies_behave_as_terraforms() {
    let ctx = context(false, "", &[]);
    let value = |text: &str| {
        let body: hcl::Body = hcl::from_str(&format!("value = {text}")).unwrap_or_else(|err| panic!("{text}: {err}"));
        let expr = body
            .attributes()
            .next()
            .map(|attribute| attribute.expr().clone())
            .unwrap_or_else(|| panic!("{text}: no attribute"));
        expr.evaluate(&ctx)
    };
    assert_eq!(
        value(r#"split(":", "a:b:c")"#).ok(),
        Some(Value::from(vec!["a", "b", "c"]))
    );
    assert_eq!(value(r#"reverse(["a", "b"])"#).ok(), Some(Value::from(vec!["b", "a"])));
    assert_eq!(value("one([])").ok(), Some(Value::Null));
    assert_eq!(value(r#"one(["a"])"#).ok(), Some(Value::from("a")));
    assert!(
        value(r#"one(["a", "b"])"#).is_err(),
        "one() of two elements is an error"
    );
}
