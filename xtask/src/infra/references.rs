//! Every `.tf` file parses, and every resource, data source, variable and
//! local an expression refers to is declared (what `terraform validate` would
//! say first, without a Terraform binary or providers). Every variable is used.

use std::collections::BTreeSet;

use hcl::expr::{Expression, TemplateExpr, TraversalOperator};
use hcl::template::{Directive, Element, Template};
use hcl::{Body, Structure};

use crate::util::project_root;

/// Names a configuration declares.
#[derive(Default)]
struct Declared {
    resources: BTreeSet<(String, String)>,
    data: BTreeSet<(String, String)>,
    variables: BTreeSet<String>,
    locals: BTreeSet<String>,
}

/// A reference in an expression: `root.first.second`, where it was found.
#[derive(Debug)]
struct Reference {
    root: String,
    attrs: Vec<String>,
    file: String,
}

/// Names every expression may use without a declaration: Terraform's own.
const BUILT_IN: [&str; 5] = ["count", "each", "path", "self", "terraform"];

/// Every `terraform/*.tf`, parsed, with its file name.
pub(crate) fn configuration() -> Vec<(String, Body)> {
    let dir = project_root().join("terraform");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap_or_else(|err| panic!("cannot read {}: {err}", dir.display()))
        .filter_map(Result::ok)
        .map(|entry| entry.path())
        .filter(|path| path.extension().is_some_and(|ext| ext == "tf"))
        .collect();
    files.sort();
    assert!(!files.is_empty(), "{} holds no .tf file", dir.display());
    files
        .iter()
        .map(|path| {
            let name = path.file_name().map(|name| name.to_string_lossy().into_owned());
            (name.unwrap_or_default(), super::parse(path))
        })
        .collect()
}

/// What `bodies` declare at their top level.
fn declarations<'a>(bodies: impl IntoIterator<Item = &'a Body>) -> Declared {
    let mut declared = Declared::default();
    for body in bodies {
        for block in body.blocks() {
            let labels: Vec<String> = block.labels().iter().map(|label| label.as_str().to_owned()).collect();
            match (block.identifier(), labels.as_slice()) {
                ("resource", [kind, name]) => {
                    declared.resources.insert((kind.clone(), name.clone()));
                }
                ("data", [kind, name]) => {
                    declared.data.insert((kind.clone(), name.clone()));
                }
                ("variable", [name]) => {
                    declared.variables.insert(name.clone());
                }
                ("locals", []) => declared
                    .locals
                    .extend(block.body().attributes().map(|attribute| attribute.key().to_owned())),
                _ => {}
            }
        }
    }
    declared
}

/// Collects the references in a body, a scope of local names (dynamic block
/// iterators, `for` variables) being excluded.
struct Collector<'a> {
    file: &'a str,
    scope: Vec<String>,
    found: Vec<Reference>,
}

impl Collector<'_> {
    /// Walks `body`, the body of a block called `kind` (`""` at the top).
    fn body(&mut self, kind: &str, body: &Body) {
        for structure in body.iter() {
            match structure {
                // A variable's `type = list(string)` is a type, not a reference.
                Structure::Attribute(attribute) if kind == "variable" && attribute.key() == "type" => {}
                Structure::Attribute(attribute) => self.expr(attribute.expr()),
                Structure::Block(block) => {
                    // `dynamic "x" { for_each = ... content { x.value } }`
                    let iterator = (block.identifier() == "dynamic")
                        .then(|| block.labels().first().map(|label| label.as_str().to_owned()))
                        .flatten();
                    let pushed = iterator.is_some();
                    self.scope.extend(iterator);
                    self.body(block.identifier(), block.body());
                    if pushed {
                        self.scope.pop();
                    }
                }
            }
        }
    }

    fn expr(&mut self, expr: &Expression) {
        match expr {
            Expression::Variable(variable) => self.reference(variable.as_str(), &[]),
            Expression::Traversal(traversal) => {
                if let Expression::Variable(root) = &traversal.expr {
                    let attrs: Vec<String> = traversal
                        .operators
                        .iter()
                        .map_while(|operator| match operator {
                            TraversalOperator::GetAttr(name) => Some(name.as_str().to_owned()),
                            _ => None,
                        })
                        .collect();
                    self.reference(root.as_str(), &attrs);
                } else {
                    self.expr(&traversal.expr);
                }
                for operator in &traversal.operators {
                    if let TraversalOperator::Index(index) = operator {
                        self.expr(index);
                    }
                }
            }
            Expression::Array(items) => items.iter().for_each(|item| self.expr(item)),
            Expression::Object(object) => {
                for (key, value) in object {
                    if let hcl::expr::ObjectKey::Expression(key) = key {
                        self.expr(key);
                    }
                    self.expr(value);
                }
            }
            Expression::TemplateExpr(template) => self.template_expr(template),
            Expression::FuncCall(call) => call.args.iter().for_each(|arg| self.expr(arg)),
            Expression::Parenthesis(inner) => self.expr(inner),
            Expression::Conditional(conditional) => {
                self.expr(&conditional.cond_expr);
                self.expr(&conditional.true_expr);
                self.expr(&conditional.false_expr);
            }
            Expression::Operation(operation) => match operation.as_ref() {
                hcl::expr::Operation::Unary(unary) => self.expr(&unary.expr),
                hcl::expr::Operation::Binary(binary) => {
                    self.expr(&binary.lhs_expr);
                    self.expr(&binary.rhs_expr);
                }
            },
            Expression::ForExpr(for_expr) => {
                self.expr(&for_expr.collection_expr);
                let names = for_expr.key_var.iter().chain([&for_expr.value_var]);
                let count = names.clone().count();
                self.scope.extend(names.map(|name| name.as_str().to_owned()));
                if let Some(key) = &for_expr.key_expr {
                    self.expr(key);
                }
                self.expr(&for_expr.value_expr);
                if let Some(condition) = &for_expr.cond_expr {
                    self.expr(condition);
                }
                self.scope.truncate(self.scope.len() - count);
            }
            _ => {}
        }
    }

    fn template_expr(&mut self, template: &TemplateExpr) {
        match Template::from_expr(template) {
            Ok(template) => self.template(&template),
            Err(err) => panic!("{}: template {template} does not parse: {err}", self.file),
        }
    }

    fn template(&mut self, template: &Template) {
        for element in template.elements() {
            match element {
                Element::Literal(_) => {}
                Element::Interpolation(interpolation) => self.expr(&interpolation.expr),
                Element::Directive(directive) => match directive.as_ref() {
                    Directive::If(directive) => {
                        self.expr(&directive.cond_expr);
                        self.template(&directive.true_template);
                        if let Some(otherwise) = &directive.false_template {
                            self.template(otherwise);
                        }
                    }
                    Directive::For(directive) => {
                        self.expr(&directive.collection_expr);
                        let names = directive.key_var.iter().chain([&directive.value_var]);
                        let count = names.clone().count();
                        self.scope.extend(names.map(|name| name.as_str().to_owned()));
                        self.template(&directive.template);
                        self.scope.truncate(self.scope.len() - count);
                    }
                },
            }
        }
    }

    fn reference(&mut self, root: &str, attrs: &[String]) {
        if BUILT_IN.contains(&root) || self.scope.iter().any(|name| name == root) {
            return;
        }
        self.found.push(Reference {
            root: root.to_owned(),
            attrs: attrs.to_vec(),
            file: self.file.to_owned(),
        });
    }
}

/// Every reference in `files`.
fn references(files: &[(String, Body)]) -> Vec<Reference> {
    let mut found = Vec::new();
    for (file, body) in files {
        let mut collector = Collector {
            file,
            scope: Vec::new(),
            found: Vec::new(),
        };
        collector.body("", body);
        found.append(&mut collector.found);
    }
    found
}

/// The references in `files` that name nothing declared, as messages.
fn dangling(files: &[(String, Body)]) -> Vec<String> {
    let declared = declarations(files.iter().map(|(_, body)| body));
    let name = |reference: &Reference, at: usize| reference.attrs.get(at).cloned().unwrap_or_default();
    references(files)
        .into_iter()
        .filter(|reference| match reference.root.as_str() {
            "var" => !declared.variables.contains(&name(reference, 0)),
            "local" => !declared.locals.contains(&name(reference, 0)),
            "data" => !declared.data.contains(&(name(reference, 0), name(reference, 1))),
            kind => !declared.resources.contains(&(kind.to_owned(), name(reference, 0))),
        })
        .map(|reference| {
            format!(
                "{}: {}.{} is not declared",
                reference.file,
                reference.root,
                reference.attrs.join(".")
            )
        })
        .collect()
}

#[test]
fn every_reference_in_terraform_is_declared() {
    let files = configuration();
    let problems = dangling(&files);
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn every_variable_is_used() {
    let files = configuration();
    let used: BTreeSet<String> = references(&files)
        .into_iter()
        .filter(|reference| reference.root == "var")
        .filter_map(|reference| reference.attrs.first().cloned())
        .collect();
    let declared = declarations(files.iter().map(|(_, body)| body));
    let unused: Vec<&String> = declared.variables.difference(&used).collect();
    assert!(unused.is_empty(), "variables nothing uses: {unused:?}");
}

#[test]
fn a_dangling_reference_is_reported_wherever_it_hides() {
    let text = r#"
        variable "known" { type = string }
        locals { prefix = "p-${var.known}" }
        resource "aws_s3_bucket" "b" {
          bucket = "${local.prefix}-${var.missing}"
          dynamic "rule" {
            for_each = [for item in var.known : item if data.aws_region.gone.name != ""]
            content { id = rule.value }
          }
          policy = aws_iam_role.absent[0].arn
          tags   = { for k, v in var.known : k => upper(aws_s3_bucket.b.id) }
        }
    "#;
    let body: Body = hcl::from_str(text).unwrap_or_else(|err| panic!("{err}"));
    let problems = dangling(&[("test.tf".to_owned(), body)]);
    assert_eq!(
        problems,
        [
            "test.tf: var.missing is not declared",
            "test.tf: data.aws_region.gone.name is not declared",
            "test.tf: aws_iam_role.absent is not declared",
        ]
    );
}
