//! The transcript: every cell of the conversation, and the window of it on
//! screen.
//!
//! Invariant: drawing costs what is on screen, not what the session holds.
//! A cell is laid out (Markdown rendered, wrapped) only when it is drawn;
//! the layout is kept while the cell stays on screen and dropped once it
//! leaves, so 5,000 cells cost the same per frame as 100. The window is
//! anchored at a cell and a line within it, never at an absolute line
//! number, which would need every cell above laid out to compute.

use ratatui::text::Line;

use crate::cells::{Cell, Style};

/// Where the window stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Scroll {
    /// The newest lines are on screen and stay there as more arrive.
    Follow,
    /// The window's top line is `line` of cell `cell`; new cells do not move it.
    At { cell: usize, line: usize },
}

/// The cells, their layouts while on screen, and the scroll position.
pub struct Transcript {
    cells: Vec<Cell>,
    layouts: Vec<Option<Layout>>,
    /// Cells with a layout kept: at most those of the last frame.
    laid_out: Vec<usize>,
    scroll: Scroll,
    /// Height of the last frame's window, for page-sized scrolls.
    page: usize,
}

struct Layout {
    width: usize,
    style: Style,
    lines: Vec<Line<'static>>,
}

impl Default for Transcript {
    fn default() -> Self {
        Transcript::new()
    }
}

impl Transcript {
    /// An empty transcript following its newest lines.
    pub fn new() -> Self {
        Transcript {
            cells: Vec::new(),
            layouts: Vec::new(),
            laid_out: Vec::new(),
            scroll: Scroll::Follow,
            page: 20,
        }
    }

    /// Adds a cell at the end; returns its index.
    pub fn push(&mut self, cell: Cell) -> usize {
        self.cells.push(cell);
        self.layouts.push(None);
        self.cells.len() - 1
    }

    /// The cell at `index`, to change it; its layout is redone at the next draw.
    pub fn get_mut(&mut self, index: usize) -> Option<&mut Cell> {
        if let Some(layout) = self.layouts.get_mut(index) {
            *layout = None;
        }
        self.cells.get_mut(index)
    }

    /// The cell at `index`.
    pub fn get(&self, index: usize) -> Option<&Cell> {
        self.cells.get(index)
    }

    /// How many cells there are.
    pub fn len(&self) -> usize {
        self.cells.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.cells.is_empty()
    }

    /// Removes every cell (a new session).
    pub fn clear(&mut self) {
        *self = Transcript {
            page: self.page,
            ..Transcript::new()
        };
    }

    /// Whether the window follows the newest lines.
    pub fn following(&self) -> bool {
        self.scroll == Scroll::Follow
    }

    /// Back to the newest lines.
    pub fn follow(&mut self) {
        self.scroll = Scroll::Follow;
    }

    /// The lines of the window `height` lines tall and `width` columns wide.
    pub fn window(&mut self, width: usize, height: usize, style: Style) -> Vec<Line<'static>> {
        self.page = height.max(1);
        let mut used = Vec::new();
        let lines = match self.scroll {
            Scroll::Follow => self.bottom(width, height, style, &mut used),
            Scroll::At { cell, line } => {
                let lines = self.from(cell, line, width, height, style, &mut used);
                if lines.len() < height {
                    // Scrolled down to the end: follow again.
                    self.scroll = Scroll::Follow;
                    used.clear();
                    self.bottom(width, height, style, &mut used)
                } else {
                    lines
                }
            }
        };
        self.forget_except(&used);
        lines
    }

    /// Scrolls `lines` towards older cells.
    pub fn scroll_up(&mut self, lines: usize, width: usize, style: Style) {
        let (mut cell, mut line) = match self.scroll {
            Scroll::At { cell, line } => (cell, line),
            Scroll::Follow => match self.top_of_bottom(width, style) {
                Some(top) => top,
                None => return,
            },
        };
        let mut left = lines;
        while left > 0 {
            if line >= left {
                line -= left;
                break;
            }
            left -= line;
            if cell == 0 {
                line = 0;
                break;
            }
            cell -= 1;
            line = self.height_of(cell, width, style);
        }
        self.scroll = Scroll::At { cell, line };
    }

    /// Scrolls `lines` towards newer cells; at the end it follows again.
    pub fn scroll_down(&mut self, lines: usize, width: usize, style: Style) {
        let Scroll::At { mut cell, mut line } = self.scroll else {
            return;
        };
        let mut left = lines;
        loop {
            let height = self.height_of(cell, width, style);
            if line + left < height {
                line += left;
                break;
            }
            left -= height - line;
            line = 0;
            cell += 1;
            if cell >= self.cells.len() {
                self.scroll = Scroll::Follow;
                return;
            }
        }
        self.scroll = Scroll::At { cell, line };
    }

    /// One page (the last window's height, less a line of overlap).
    pub fn page(&self) -> usize {
        self.page.saturating_sub(1).max(1)
    }

    /// Lays out cells from the newest back until `height` lines are filled.
    fn bottom(&mut self, width: usize, height: usize, style: Style, used: &mut Vec<usize>) -> Vec<Line<'static>> {
        let mut chunks: Vec<Vec<Line<'static>>> = Vec::new();
        let mut filled = 0;
        for index in (0..self.cells.len()).rev() {
            if filled >= height {
                break;
            }
            let lines = self.layout(index, width, style);
            filled += lines.len();
            chunks.push(lines.to_vec());
            used.push(index);
        }
        let mut lines: Vec<Line<'static>> = chunks.into_iter().rev().flatten().collect();
        if lines.len() > height {
            lines.drain(..lines.len() - height);
        }
        lines
    }

    /// The window's lines starting at line `line` of cell `cell`.
    fn from(
        &mut self,
        cell: usize,
        line: usize,
        width: usize,
        height: usize,
        style: Style,
        used: &mut Vec<usize>,
    ) -> Vec<Line<'static>> {
        let mut lines = Vec::with_capacity(height);
        let mut skip = line;
        for index in cell..self.cells.len() {
            if lines.len() >= height {
                break;
            }
            let layout = self.layout(index, width, style);
            lines.extend(layout.iter().skip(skip).take(height - lines.len()).cloned());
            skip = 0;
            used.push(index);
        }
        lines
    }

    /// The cell and line at the top of the bottom window (what `Follow` shows).
    fn top_of_bottom(&mut self, width: usize, style: Style) -> Option<(usize, usize)> {
        let mut left = self.page;
        for index in (0..self.cells.len()).rev() {
            let height = self.height_of(index, width, style);
            if height >= left {
                return Some((index, height - left));
            }
            left -= height;
        }
        (!self.cells.is_empty()).then_some((0, 0))
    }

    fn height_of(&mut self, index: usize, width: usize, style: Style) -> usize {
        let height = self.layout(index, width, style).len();
        if !self.laid_out.contains(&index) {
            self.laid_out.push(index);
        }
        height
    }

    /// The cell's lines at this width and style, laid out now if needed.
    fn layout(&mut self, index: usize, width: usize, style: Style) -> &[Line<'static>] {
        let fresh = matches!(&self.layouts[index], Some(l) if l.width == width && l.style == style);
        if !fresh {
            let lines = self.cells[index].lines(width, &style);
            self.layouts[index] = Some(Layout { width, style, lines });
            if !self.laid_out.contains(&index) {
                self.laid_out.push(index);
            }
        }
        match &self.layouts[index] {
            Some(layout) => &layout.lines,
            None => &[],
        }
    }

    /// Drops the layouts of cells not in `keep` (those off screen).
    fn forget_except(&mut self, keep: &[usize]) {
        let layouts = &mut self.layouts;
        self.laid_out.retain(|index| {
            let kept = keep.contains(index);
            if !kept && let Some(layout) = layouts.get_mut(*index) {
                *layout = None;
            }
            kept
        });
    }

    /// How many cells hold a layout now (for tests and the benchmark).
    pub fn laid_out_cells(&self) -> usize {
        self.layouts.iter().filter(|layout| layout.is_some()).count()
    }
}
