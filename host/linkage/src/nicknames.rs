//! Given names that are the same name: diminutives, short forms and spelling variants.
//!
//! Each line is one name family: a formal name (or its variant spellings) and the short forms
//! people are recorded under in one system or another (`Alex` here, `Alexander` there). A short
//! form can belong to several families (`Sam` is Samuel's and Samantha's, `Chris` is
//! Christopher's and Christine's): two names are equivalent when they share any family, and the
//! gender field, compared separately, tells Samuel from Samantha.
//!
//! The table is deliberately modest: common English-language forms. A name it does not know
//! still agrees through string similarity or as a prefix (`Chris` / `Christopher`), only at a
//! lower level; forces can extend it.

use std::collections::HashMap;
use std::sync::OnceLock;

/// The name families, one per line, written lower-case: the formal name and its variants first.
const FAMILIES: &[&[&str]] = &[
    &["abigail", "abi", "abby", "gail"],
    &[
        "alexander",
        "alex",
        "alec",
        "al",
        "sandy",
        "xander",
        "lex",
        "sasha",
    ],
    &[
        "alexandra",
        "alex",
        "alexa",
        "sandra",
        "sandy",
        "lexi",
        "sasha",
        "ally",
    ],
    &["alfred", "alf", "alfie", "fred"],
    &["amanda", "mandy"],
    &["andrew", "andy", "drew"],
    &["anthony", "antony", "tony", "ant"],
    &["barbara", "barb", "babs"],
    &["benjamin", "ben", "benny", "benji"],
    &["charles", "charlie", "chas", "chaz", "chuck"],
    &["charlotte", "lottie", "charlie"],
    &["christopher", "chris", "kit", "topher"],
    &["christine", "christina", "chris", "chrissie", "tina"],
    &["daniel", "dan", "danny"],
    &["danielle", "dani", "elle"],
    &["david", "dave", "davy"],
    &["deborah", "debra", "debbie", "deb"],
    &["dorothy", "dot", "dottie"],
    &["edward", "ed", "eddie", "ted", "ned"],
    &["eleanor", "elinor", "ellie", "nell", "nora"],
    &[
        "elizabeth",
        "elisabeth",
        "liz",
        "lizzie",
        "beth",
        "betty",
        "eliza",
        "libby",
        "bess",
    ],
    &["emily", "emmy", "em"],
    &["frances", "fran", "frankie", "fanny"],
    &["francis", "frank", "fran"],
    &["frederick", "frederic", "fred", "freddie"],
    &["geoffrey", "jeffrey", "geoff", "jeff"],
    &["gerald", "gerard", "gerry"],
    &["gregory", "greg"],
    &["harold", "harry", "hal"],
    &["henry", "harry", "hal", "hank"],
    &["isabel", "isabella", "isabelle", "izzy", "bella"],
    &["jacob", "jake"],
    &["jacqueline", "jackie"],
    &["james", "jim", "jimmy", "jamie"],
    &["jennifer", "jen", "jenny"],
    &["john", "jack", "johnny", "jon"],
    &["jonathan", "jon", "jonny"],
    &["joseph", "joe", "joey"],
    &["joshua", "josh"],
    &["judith", "judy"],
    &[
        "katherine",
        "catherine",
        "kathryn",
        "kate",
        "katie",
        "kathy",
        "cathy",
        "kat",
        "kay",
        "kitty",
    ],
    &["kenneth", "ken", "kenny"],
    &["lawrence", "laurence", "larry", "laurie"],
    &["leonard", "leo", "len", "lenny"],
    &["louise", "louisa", "lou"],
    &["lucinda", "lucy", "cindy"],
    &[
        "margaret", "maggie", "meg", "peggy", "madge", "marge", "maisie",
    ],
    &["mary", "molly", "polly", "mae"],
    &["matthew", "matt", "matty"],
    &["megan", "meg"],
    &["michael", "mike", "mick", "micky", "mikey"],
    &["nathaniel", "nathan", "nate", "nat"],
    &["nicholas", "nick", "nicky", "nico"],
    &["oliver", "ollie"],
    &["pamela", "pam"],
    &["patricia", "pat", "patty", "trish", "tricia"],
    &["patrick", "pat", "paddy"],
    &["peter", "pete"],
    &["philip", "phillip", "phil", "pip"],
    &["raymond", "ray"],
    &["rebecca", "becky", "becca"],
    &["richard", "rich", "richie", "rick", "ricky", "dick"],
    &["robert", "rob", "robbie", "bob", "bobby", "bert"],
    &["ronald", "ron", "ronnie"],
    &["rosemary", "rosie", "rose"],
    &["samantha", "sam", "sammy"],
    &["samuel", "sam", "sammy"],
    &["sarah", "sara", "sally", "sadie"],
    &["sebastian", "seb"],
    &["stephen", "steven", "steve", "stevie"],
    &["stuart", "stewart", "stu"],
    &["susan", "sue", "susie"],
    &["terence", "terrence", "terry"],
    &["theodore", "theo", "ted", "teddy"],
    &["thomas", "tom", "tommy"],
    &["timothy", "tim", "timmy"],
    &["tobias", "toby"],
    &["victoria", "vicky", "vicki", "tori", "vic"],
    &["vincent", "vince"],
    &["walter", "walt", "wally"],
    &["william", "will", "bill", "billy", "willie", "liam"],
    &["zachary", "zach", "zack"],
];

/// Family indexes for every name in the table, built once.
fn index() -> &'static HashMap<&'static str, Vec<u16>> {
    static INDEX: OnceLock<HashMap<&'static str, Vec<u16>>> = OnceLock::new();
    INDEX.get_or_init(|| {
        let mut index: HashMap<&'static str, Vec<u16>> = HashMap::new();
        for (family, names) in (0u16..).zip(FAMILIES) {
            for name in names.iter() {
                index.entry(name).or_default().push(family);
            }
        }
        index
    })
}

/// The families a normalised given name belongs to (empty if the table does not know it).
pub(crate) fn families(name: &str) -> &'static [u16] {
    index().get(name).map_or(&[], Vec::as_slice)
}

/// Whether two names' families (from [`families`]) overlap.
pub(crate) fn share_family(a: &[u16], b: &[u16]) -> bool {
    a.iter().any(|f| b.contains(f))
}

/// Whether two normalised (lower-case, letters only) given names are forms of the same name
/// according to the table. A name is not its own nickname: equal names are compared as equal
/// before this is asked.
#[cfg(test)]
pub(crate) fn same_name_family(a: &str, b: &str) -> bool {
    share_family(families(a), families(b))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn diminutives_match_their_formal_name_and_each_other() {
        assert!(same_name_family("alex", "alexander"));
        assert!(same_name_family("bill", "william"));
        assert!(same_name_family("bill", "liam"));
        assert!(same_name_family("catherine", "katherine"));
        assert!(same_name_family("sam", "samantha"));
        assert!(same_name_family("sam", "samuel"));
    }

    #[test]
    fn different_names_and_unknown_names_do_not() {
        assert!(!same_name_family("samuel", "samantha"));
        assert!(!same_name_family("alex", "william"));
        assert!(!same_name_family("examplo", "examplo"), "not in the table");
        assert!(!same_name_family("alex", "zebedee"));
    }

    #[test]
    fn the_table_is_lower_case_letters_only() {
        for name in FAMILIES.iter().flat_map(|f| f.iter()) {
            assert!(name.chars().all(|c| c.is_ascii_lowercase()), "{name}");
        }
    }
}
