//! A small, independent GBNF interpreter for tests: it parses grammar text the
//! way llama.cpp reads it (rules, literals, character classes, groups,
//! alternation, `* + ?` and `{m,n}` repetition, comments) and decides whether a
//! whole string is accepted. It shares no code with the grammar generators,
//! so a test that uses it checks the grammars for real.

use std::collections::{BTreeMap, BTreeSet};

#[derive(Debug, Clone)]
enum Expr {
    Lit(Vec<char>),
    Class {
        negated: bool,
        ranges: Vec<(char, char)>,
    },
    Any,
    Ref(String),
    Seq(Vec<Expr>),
    Alt(Vec<Expr>),
    Repeat {
        inner: Box<Expr>,
        min: usize,
        max: Option<usize>,
    },
}

/// A parsed GBNF grammar.
#[derive(Debug)]
pub struct Grammar {
    rules: BTreeMap<String, Expr>,
}

struct Parser<'a> {
    src: &'a [char],
    pos: usize,
}

impl Parser<'_> {
    fn peek(&self) -> Option<char> {
        self.src.get(self.pos).copied()
    }

    /// Skips spaces and comments; newlines too when `newlines` is set.
    fn skip(&mut self, newlines: bool) {
        while let Some(c) = self.peek() {
            if c == '#' {
                while let Some(c) = self.peek() {
                    if c == '\n' {
                        break;
                    }
                    self.pos += 1;
                }
            } else if c == ' ' || c == '\t' || (newlines && (c == '\n' || c == '\r')) {
                self.pos += 1;
            } else {
                break;
            }
        }
    }

    fn name(&mut self) -> Result<String, String> {
        let start = self.pos;
        while let Some(c) = self.peek() {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                self.pos += 1;
            } else {
                break;
            }
        }
        if start == self.pos {
            return Err(format!("expected a rule name at {}", self.pos));
        }
        Ok(self.src[start..self.pos].iter().collect())
    }

    fn number(&mut self) -> Result<usize, String> {
        let start = self.pos;
        while self.peek().is_some_and(|c| c.is_ascii_digit()) {
            self.pos += 1;
        }
        let text: String = self.src[start..self.pos].iter().collect();
        text.parse()
            .map_err(|_| format!("expected a number at {start}"))
    }

    fn escaped_char(&mut self) -> Result<char, String> {
        let c = self.peek().ok_or("unexpected end in escape")?;
        self.pos += 1;
        let hex = |p: &mut Self, n: usize| -> Result<char, String> {
            let s: String = p
                .src
                .get(p.pos..p.pos + n)
                .ok_or("short hex escape")?
                .iter()
                .collect();
            p.pos += n;
            let v = u32::from_str_radix(&s, 16).map_err(|_| format!("bad hex escape {s}"))?;
            char::from_u32(v).ok_or_else(|| format!("bad code point {v:x}"))
        };
        Ok(match c {
            'n' => '\n',
            'r' => '\r',
            't' => '\t',
            'x' => hex(self, 2)?,
            'u' => hex(self, 4)?,
            'U' => hex(self, 8)?,
            other => other,
        })
    }

    fn char_in(&mut self, terminator: char) -> Result<char, String> {
        match self.peek() {
            None => Err(format!("unterminated, expected {terminator:?}")),
            Some('\\') => {
                self.pos += 1;
                self.escaped_char()
            }
            Some(c) => {
                self.pos += 1;
                Ok(c)
            }
        }
    }

    fn primary(&mut self, nested: bool) -> Result<Option<Expr>, String> {
        match self.peek() {
            Some('"') => {
                self.pos += 1;
                let mut chars = Vec::new();
                while self.peek() != Some('"') {
                    chars.push(self.char_in('"')?);
                }
                self.pos += 1;
                Ok(Some(Expr::Lit(chars)))
            }
            Some('[') => {
                self.pos += 1;
                let negated = self.peek() == Some('^');
                if negated {
                    self.pos += 1;
                }
                let mut ranges = Vec::new();
                while self.peek() != Some(']') {
                    let lo = self.char_in(']')?;
                    let hi = if self.peek() == Some('-') && self.src.get(self.pos + 1) != Some(&']')
                    {
                        self.pos += 1;
                        self.char_in(']')?
                    } else {
                        lo
                    };
                    ranges.push((lo, hi));
                }
                self.pos += 1;
                Ok(Some(Expr::Class { negated, ranges }))
            }
            Some('.') => {
                self.pos += 1;
                Ok(Some(Expr::Any))
            }
            Some('(') => {
                self.pos += 1;
                self.skip(true);
                let inner = self.alternatives(true)?;
                self.skip(true);
                if self.peek() != Some(')') {
                    return Err(format!("expected ')' at {}", self.pos));
                }
                self.pos += 1;
                Ok(Some(inner))
            }
            Some(c) if c.is_ascii_alphanumeric() || c == '-' || c == '_' => {
                // A rule reference, unless it starts the next rule (`name ::=`).
                let save = self.pos;
                let name = self.name()?;
                self.skip(nested);
                if self.src[self.pos..].starts_with(&[':', ':', '=']) {
                    self.pos = save;
                    return Ok(None);
                }
                self.pos = save + name.chars().count();
                Ok(Some(Expr::Ref(name)))
            }
            _ => Ok(None),
        }
    }

    fn postfix(&mut self, expr: Expr) -> Result<Expr, String> {
        let (min, max) = match self.peek() {
            Some('*') => (0, None),
            Some('+') => (1, None),
            Some('?') => (0, Some(1)),
            Some('{') => {
                self.pos += 1;
                self.skip(false);
                let min = self.number()?;
                self.skip(false);
                let max = if self.peek() == Some(',') {
                    self.pos += 1;
                    self.skip(false);
                    if self.peek() == Some('}') {
                        None
                    } else {
                        Some(self.number()?)
                    }
                } else {
                    Some(min)
                };
                self.skip(false);
                if self.peek() != Some('}') {
                    return Err(format!("expected '}}' at {}", self.pos));
                }
                self.pos += 1;
                return Ok(Expr::Repeat {
                    inner: Box::new(expr),
                    min,
                    max,
                });
            }
            _ => return Ok(expr),
        };
        self.pos += 1;
        Ok(Expr::Repeat {
            inner: Box::new(expr),
            min,
            max,
        })
    }

    fn sequence(&mut self, nested: bool) -> Result<Expr, String> {
        let mut items = Vec::new();
        loop {
            self.skip(nested);
            match self.primary(nested)? {
                Some(p) => {
                    let item = self.postfix(p)?;
                    items.push(item);
                }
                None => break,
            }
        }
        Ok(Expr::Seq(items))
    }

    fn alternatives(&mut self, nested: bool) -> Result<Expr, String> {
        let mut alts = vec![self.sequence(nested)?];
        loop {
            self.skip(nested);
            if self.peek() == Some('|') {
                self.pos += 1;
                self.skip(true);
                alts.push(self.sequence(nested)?);
            } else {
                break;
            }
        }
        Ok(if alts.len() == 1 {
            alts.pop().unwrap()
        } else {
            Expr::Alt(alts)
        })
    }
}

impl Grammar {
    /// Parses grammar text; errors name the position.
    pub fn parse(text: &str) -> Result<Grammar, String> {
        let src: Vec<char> = text.chars().collect();
        let mut p = Parser { src: &src, pos: 0 };
        let mut rules = BTreeMap::new();
        loop {
            p.skip(true);
            if p.peek().is_none() {
                break;
            }
            let name = p.name()?;
            p.skip(false);
            if !p.src[p.pos..].starts_with(&[':', ':', '=']) {
                return Err(format!("expected '::=' after {name} at {}", p.pos));
            }
            p.pos += 3;
            p.skip(true);
            let body = p.alternatives(false)?;
            p.skip(false);
            match p.peek() {
                None | Some('\n') | Some('\r') => {}
                Some(c) => return Err(format!("unexpected {c:?} at {}", p.pos)),
            }
            if rules.insert(name.clone(), body).is_some() {
                return Err(format!("rule {name} defined twice"));
            }
        }
        let grammar = Grammar { rules };
        if !grammar.rules.contains_key("root") {
            return Err("no root rule".to_string());
        }
        for expr in grammar.rules.values() {
            grammar.check_refs(expr)?;
        }
        Ok(grammar)
    }

    fn check_refs(&self, expr: &Expr) -> Result<(), String> {
        match expr {
            Expr::Ref(name) if !self.rules.contains_key(name) => {
                Err(format!("undefined rule {name}"))
            }
            Expr::Seq(items) | Expr::Alt(items) => {
                items.iter().try_for_each(|e| self.check_refs(e))
            }
            Expr::Repeat { inner, .. } => self.check_refs(inner),
            _ => Ok(()),
        }
    }

    /// Whether the `root` rule accepts the whole of `input`.
    pub fn accepts(&self, input: &str) -> bool {
        let chars: Vec<char> = input.chars().collect();
        self.ends(&self.rules["root"], &chars, 0, 0)
            .contains(&chars.len())
    }

    /// Every position where `expr`, started at `pos`, can end.
    fn ends(&self, expr: &Expr, s: &[char], pos: usize, depth: usize) -> BTreeSet<usize> {
        assert!(depth < 200, "grammar recursion too deep (left recursion?)");
        let mut out = BTreeSet::new();
        match expr {
            Expr::Lit(lit) => {
                if s[pos..].starts_with(lit) {
                    out.insert(pos + lit.len());
                }
            }
            Expr::Class { negated, ranges } => {
                if let Some(&c) = s.get(pos) {
                    let inside = ranges.iter().any(|&(lo, hi)| lo <= c && c <= hi);
                    if inside != *negated {
                        out.insert(pos + 1);
                    }
                }
            }
            Expr::Any => {
                if pos < s.len() {
                    out.insert(pos + 1);
                }
            }
            Expr::Ref(name) => return self.ends(&self.rules[name], s, pos, depth + 1),
            Expr::Seq(items) => {
                let mut current = BTreeSet::from([pos]);
                for item in items {
                    let mut next = BTreeSet::new();
                    for &p in &current {
                        next.extend(self.ends(item, s, p, depth + 1));
                    }
                    current = next;
                    if current.is_empty() {
                        break;
                    }
                }
                return current;
            }
            Expr::Alt(alts) => {
                for alt in alts {
                    out.extend(self.ends(alt, s, pos, depth + 1));
                }
            }
            Expr::Repeat { inner, min, max } => {
                let mut current = BTreeSet::from([pos]);
                let mut seen = BTreeSet::new();
                if *min == 0 {
                    out.insert(pos);
                }
                let mut count = 0;
                while !current.is_empty() && max.is_none_or(|m| count < m) {
                    let mut next = BTreeSet::new();
                    for &p in &current {
                        next.extend(self.ends(inner, s, p, depth + 1));
                    }
                    count += 1;
                    // Without an upper bound, positions already reached add nothing new.
                    if max.is_none() {
                        next.retain(|p| !seen.contains(p));
                        seen.extend(next.iter().copied());
                    }
                    if count >= *min {
                        out.extend(next.iter().copied());
                    }
                    current = next;
                }
            }
        }
        out
    }
}

#[test]
fn interpreter_understands_gbnf() {
    let g = Grammar::parse(
        "# a comment\nroot ::= move | \"pass\"\nmove ::= [a-c] digit{1,2}\ndigit ::= [0-9]\n",
    )
    .unwrap();
    for ok in ["pass", "a1", "c10", "b99"] {
        assert!(g.accepts(ok), "{ok}");
    }
    for bad in ["", "pas", "passs", "d1", "a", "a100", "A1"] {
        assert!(!g.accepts(bad), "{bad}");
    }
    let g = Grammar::parse("root ::= [^x\\n]* (\"\\\"\" | \"\\\\\")+\n").unwrap();
    assert!(g.accepts("ab\"\\"));
    assert!(!g.accepts("x\""));
    assert!(Grammar::parse("root ::= undefined\n").is_err());
    assert!(Grammar::parse("root ::= \"open\n").is_err());
}
