//! A balanced page tree: every `/Pages` node has at most [`FANOUT`] kids, so viewers and
//! parsers find any page in a few steps even in files with hundreds of thousands of pages.
//!
//! Nodes are numbered level by level from the root down, starting at a given object id.

/// Most kids of one `/Pages` node.
pub(crate) const FANOUT: usize = 64;

/// The shape of the tree for a given page count.
#[derive(Debug, Clone)]
pub(crate) struct PageTree {
    pages: usize,
    /// Node count per level; index 0 is the level whose kids are pages, the last is the root.
    levels: Vec<usize>,
    /// Object id of the first node of each level.
    starts: Vec<i32>,
}

/// One `/Pages` node.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Node {
    pub(crate) id: i32,
    pub(crate) parent: Option<i32>,
    /// Kids: object ids of nodes, or 0-based page indexes for the lowest level.
    pub(crate) kids: std::ops::Range<usize>,
    pub(crate) kids_are_pages: bool,
    /// Level of the node (0: its kids are pages).
    level: usize,
    /// Pages below this node.
    pub(crate) count: usize,
}

impl PageTree {
    /// The tree for `pages` pages (at least one), its nodes numbered from `first_id`.
    pub(crate) fn new(pages: usize, first_id: i32) -> Self {
        assert!(pages > 0);
        let mut levels = vec![pages.div_ceil(FANOUT)];
        while *levels.last().unwrap_or(&1) > 1 {
            let n = levels.last().copied().unwrap_or(1);
            levels.push(n.div_ceil(FANOUT));
        }
        let mut starts = vec![0; levels.len()];
        let mut next = first_id;
        for k in (0..levels.len()).rev() {
            starts[k] = next;
            next += levels[k] as i32;
        }
        PageTree { pages, levels, starts }
    }

    /// Number of `/Pages` nodes (object ids used).
    pub(crate) fn node_count(&self) -> usize {
        self.levels.iter().sum()
    }

    /// Object id of the root node.
    pub(crate) fn root(&self) -> i32 {
        self.starts[self.levels.len() - 1]
    }

    /// Object id of the node that holds page `page` (0-based).
    pub(crate) fn parent_of_page(&self, page: usize) -> i32 {
        self.starts[0] + (page / FANOUT) as i32
    }

    /// Every node, root first.
    pub(crate) fn nodes(&self) -> impl Iterator<Item = Node> + '_ {
        (0..self.levels.len()).rev().flat_map(move |k| {
            (0..self.levels[k]).map(move |j| {
                let span = FANOUT.pow(k as u32 + 1);
                let below = if k == 0 { self.pages } else { self.levels[k - 1] };
                let first_page = j * span;
                Node {
                    id: self.starts[k] + j as i32,
                    parent: (k + 1 < self.levels.len()).then(|| self.starts[k + 1] + (j / FANOUT) as i32),
                    kids: j * FANOUT..((j + 1) * FANOUT).min(below),
                    kids_are_pages: k == 0,
                    level: k,
                    count: (first_page + span).min(self.pages) - first_page,
                }
            })
        })
    }

    /// Object id of kid `kid` (an index into the level below) of `node`, which must not be a
    /// lowest-level node.
    pub(crate) fn kid_id(&self, node: &Node, kid: usize) -> i32 {
        debug_assert!(!node.kids_are_pages);
        self.starts[node.level - 1] + kid as i32
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(pages: usize) {
        let t = PageTree::new(pages, 10);
        let nodes: Vec<Node> = t.nodes().collect();
        assert_eq!(nodes.len(), t.node_count());
        assert_eq!(nodes[0].id, t.root());
        assert_eq!(nodes[0].count, pages);
        assert!(nodes[0].parent.is_none());
        let ids: Vec<i32> = nodes.iter().map(|n| n.id).collect();
        assert_eq!(ids, (10..10 + nodes.len() as i32).collect::<Vec<_>>());
        let mut seen_pages = 0;
        for n in &nodes {
            assert!(n.kids.len() <= FANOUT && !n.kids.is_empty());
            if n.kids_are_pages {
                assert_eq!(n.count, n.kids.len());
                for p in n.kids.clone() {
                    assert_eq!(t.parent_of_page(p), n.id);
                }
                seen_pages += n.kids.len();
            } else {
                let sum: usize = n
                    .kids
                    .clone()
                    .map(|k| t.kid_id(n, k))
                    .map(|id| nodes.iter().find(|m| m.id == id).unwrap())
                    .inspect(|m| assert_eq!(m.parent, Some(n.id)))
                    .map(|m| m.count)
                    .sum();
                assert_eq!(sum, n.count);
            }
        }
        assert_eq!(seen_pages, pages);
    }

    #[test]
    fn trees_are_consistent() {
        for pages in [1, 2, 63, 64, 65, 128, 4095, 4096, 4097, 300_000] {
            check(pages);
        }
    }
}
