//! Reorder checks for the warehouse: which items are at or below their
//! reorder level, from a CSV of `sku,on_hand,reorder_level`.

/// One stock line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Item {
    /// Stock-keeping unit.
    pub sku: String,
    /// Units on hand.
    pub on_hand: u32,
    /// Reorder when at or below this.
    pub reorder_level: u8,
}

/// Parses the CSV (with a header line); bad lines are reported with their number.
pub fn parse(csv: &str) -> Result<Vec<Item>, String> {
    let mut items = Vec::new();
    for (index, line) in csv.lines().enumerate().skip(1) {
        if line.trim().is_empty() {
            continue;
        }
        let fields: Vec<&str> = line.split(',').map(str::trim).collect();
        let [sku, on_hand, level] = fields[..] else {
            return Err(format!("line {}: expected 3 fields", index + 1));
        };
        let on_hand: u32 = on_hand.parse().map_err(|_| format!("line {}: bad on_hand", index + 1))?;
        let level: u32 = level.parse().map_err(|_| format!("line {}: bad reorder_level", index + 1))?;
        let reorder_level = u8::try_from(level).map_err(|_| format!("line {}: reorder_level above 255", index + 1))?;
        items.push(Item { sku: sku.to_string(), on_hand, reorder_level });
    }
    Ok(items)
}

/// The SKUs to reorder, in file order.
pub fn to_reorder(items: &[Item]) -> Vec<&str> {
    items
        .iter()
        .filter(|item| item.on_hand <= u32::from(item.reorder_level))
        .map(|item| item.sku.as_str())
        .collect()
}
