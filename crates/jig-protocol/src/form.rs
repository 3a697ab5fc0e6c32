//! The fields of a [`crate::HostRequest::Form`] and the check of a typed
//! answer against one: every front-end that asks a form field by field (the
//! terminal of `jig exec`, the TUI) reads the schema and coerces answers by
//! the same rules, so they live with the request they belong to.
//!
//! Only the flat schemas MCP elicitation allows are read: an object whose
//! properties are strings, numbers, integers, booleans or string enums.

use serde_json::Value;

/// One field of a form.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FormField {
    /// Property name: the key of its value in the answer.
    pub name: String,
    /// What to call it (the schema's `title`, else its name).
    pub title: String,
    /// JSON Schema type: string, number, integer or boolean.
    pub kind: String,
    /// The allowed values of a string enum; empty for any.
    pub choices: Vec<String>,
    /// Whether it must be answered.
    pub required: bool,
    /// The schema's description, if any.
    pub description: Option<String>,
}

/// The fields of the form `schema`, in the schema's order.
pub fn form_fields(schema: &Value) -> Vec<FormField> {
    let required: Vec<&str> = schema["required"]
        .as_array()
        .map(|r| r.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    let Some(properties) = schema["properties"].as_object() else {
        return Vec::new();
    };
    properties
        .iter()
        .map(|(name, field)| FormField {
            name: name.clone(),
            title: field["title"].as_str().unwrap_or(name).to_string(),
            kind: field["type"].as_str().unwrap_or("string").to_string(),
            choices: field["enum"]
                .as_array()
                .map(|e| e.iter().filter_map(Value::as_str).map(str::to_string).collect())
                .unwrap_or_default(),
            required: required.contains(&name.as_str()),
            description: field["description"].as_str().map(str::to_string),
        })
        .collect()
}

impl FormField {
    /// `line` (trimmed, not empty) as this field's value, or what to answer instead.
    pub fn value(&self, line: &str) -> Result<Value, String> {
        if !self.choices.is_empty() {
            return match self.choices.iter().any(|c| c == line) {
                true => Ok(line.into()),
                false => Err(format!("answer one of {}", self.choices.join(", "))),
            };
        }
        match self.kind.as_str() {
            "boolean" => match line.to_ascii_lowercase().as_str() {
                "y" | "yes" | "true" => Ok(true.into()),
                "n" | "no" | "false" => Ok(false.into()),
                _ => Err("answer yes or no".into()),
            },
            "integer" => line
                .parse::<i64>()
                .map(Into::into)
                .map_err(|_| "answer a whole number".into()),
            "number" => line
                .parse::<f64>()
                .ok()
                .and_then(serde_json::Number::from_f64)
                .map(Value::Number)
                .ok_or_else(|| "answer a number".into()),
            _ => Ok(line.into()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_keep_order_and_coerce_typed_answers() {
        let schema = serde_json::json!({
            "type": "object",
            "properties": {
                "name": {"type": "string", "title": "Your name"},
                "age": {"type": "integer"},
                "colour": {"type": "string", "enum": ["red", "blue"]},
                "ok": {"type": "boolean", "description": "Agree?"}
            },
            "required": ["name"]
        });
        let fields = form_fields(&schema);
        let names: Vec<&str> = fields.iter().map(|f| f.name.as_str()).collect();
        assert_eq!(names, ["name", "age", "colour", "ok"]);
        assert!(fields[0].required && !fields[1].required);
        assert_eq!(fields[0].title, "Your name");
        assert_eq!(fields[1].value("42"), Ok(42.into()));
        assert_eq!(fields[1].value("4.2"), Err("answer a whole number".into()));
        assert_eq!(fields[2].value("green"), Err("answer one of red, blue".into()));
        assert_eq!(fields[3].value("Yes"), Ok(true.into()));
        assert_eq!(fields[3].description.as_deref(), Some("Agree?"));
    }
}
