"""The phrase banks of the demo data: sentences, questions and names it draws from.

The sentences in `THEMED` each speak to one value of the codebook (its slug is the key); the
generator (`generator.py`) decides how often each comes up.
"""

from __future__ import annotations

SYNTHETIC_NOTE = "[Synthetic demo transcript: a fictional interview, not a real person.]"

THEMED = {
    "experience-in-common": [
        "Everyone there had been through something like what I’d been through, so I didn’t have to explain myself.",
        "When she said she’d had the same diagnosis, something in me just relaxed.",
        "It matters that they’ve been on the wards too, they know what it’s like from the inside.",
        "We were all mums who had struggled after the birth, and that made it different from any other group.",
        "I decide who my peers are, it isn’t about a label on a form.",
        "Hearing someone describe the exact same panic I feel at night was a shock, a good one.",
        "Being with other women who have lived it, you just nod, you don’t need the words.",
    ],
    "safety": [
        "The ground rules about confidentiality were read out every week and that made it feel safe.",
        "It was a warm room in the library, not a clinic, and that helped me feel safe.",
        "I knew what I said in the group would stay in the group.",
        "The facilitator went first and shared something small, which showed us how it could be done.",
        "Being safe and feeling safe aren’t the same thing, it took me weeks to feel it.",
        "Having a women-only space meant I could finally breathe and put my guard down.",
        "There was always someone to talk to afterwards if a session stirred things up.",
    ],
    "choice-and-control": [
        "Nobody made me speak, I could just listen for the first few weeks.",
        "I stopped going for a couple of months and when I came back nobody made a fuss.",
        "I chose what I wanted to share and what I kept to myself.",
        "We decided together what the sessions would be about.",
        "I could come along when I was well enough, there was no pressure.",
        "I took on running the tea rota because I wanted to, not because I had to.",
        "You could leave the room at any point and that was fine.",
    ],
    "two-way-interactions": [
        "Some weeks I was the one being helped and other weeks I was helping someone else.",
        "The facilitator shared her own struggles too, so it didn’t feel like them and us.",
        "Giving something back made me feel useful again.",
        "It’s not like seeing a professional, we’re all on the same level.",
        "I learnt as much from listening to others as from talking myself.",
        "Helping the new members settle in gave me a real sense of purpose.",
    ],
    "human-connection": [
        "I felt less alone for the first time in years.",
        "We still message each other every day, it’s a real friendship now.",
        "Someone understood me without me having to spell it out.",
        "It was the cup of tea and the chat afterwards that kept me coming back.",
        "When my baby was tiny the group was my lifeline to other people.",
        "Just being around people who cared made a difference to how I got through the week.",
        "Those friendships carried on long after the sessions finished 😊.",
    ],
    "freedom-to-be-oneself": [
        "I could be myself there without worrying about being judged.",
        "For once I didn’t have to pretend I was fine.",
        "They accepted me as I am, the bad days as well as the good ones.",
        "I could laugh about things that would shock other people and nobody batted an eyelid.",
        "It made me feel normal, like I wasn’t the odd one out.",
        "I could say I found motherhood hard without anyone thinking I was a bad mum.",
    ],
    "trust": [
        "Trust took time, because of what had happened to me before.",
        "I trusted the other women in a way I haven’t trusted anyone for a long time.",
        "Once I knew I could trust the facilitator, everything else followed.",
        "After the trauma I’d been through, trusting a group felt impossible at first.",
        "They kept their word every single week, and that is how the trust was built.",
    ],
}

FILLER = [
    "I heard about it from a leaflet at the GP surgery.",
    "The bus there took about forty minutes.",
    "It was on a Tuesday afternoon, which suited me.",
    "There were usually between six and ten people.",
    "I’d tried a few other things before that.",
    "My sister came with me the first time.",
    "We had biscuits, and sometimes someone brought a cake.",
    "I’m not sure how to put it really.",
    "It was a couple of years ago now, so I might not remember everything.",
    "During lockdown we moved online, which took some getting used to.",
    "The sessions lasted about an hour and a half.",
    "I work part-time, so the timing mattered.",
    "There was a café next door where some of us went afterwards.",
    "We met in a community centre near the high street.",
    "Some weeks there were more people than others.",
    "I think the funding came from the council, but I’m not sure.",
    "The Wi-Fi kept dropping out when we were on the video calls 📶.",
    "One of the members was from Kraków and taught us to say dziękuję.",
    "We went on a walk to the park once, which was lovely 🌳.",
    "Zoë, who ran the crèche, was brilliant with the little ones.",
    "Honestly, I nearly didn’t go back after the first week.",
    "It’s hard to describe, you know?",
    "I still have the leaflet somewhere at home.",
    "My health visitor mentioned it when my son was about three months old.",
]

QUESTIONS = [
    "How did you first hear about the peer support?",
    "What was it like the first time you went along?",
    "Can you tell me about a session that stayed with you?",
    "What, if anything, made it different from other support you’ve had?",
    "How did the group decide what to talk about?",
    "Was there anything that made it hard to take part?",
    "How did things change when sessions moved online?",
    "What would you say to someone thinking of joining?",
    "How did you get on with the facilitators?",
    "Is there anything you would change about it?",
    "What did you get out of it, if anything?",
    "Could you say a bit more about that?",
    "How did it feel when the group came to an end?",
]

PSEUDONYMS = [
    "Willow",
    "Rowan",
    "Hazel",
    "Ash",
    "Briar",
    "Cedar",
    "Fern",
    "Heather",
    "Ivy",
    "Juniper",
    "Laurel",
    "Maple",
    "Oak",
    "Poppy",
    "Reed",
    "Sage",
    "Sorrel",
    "Tansy",
    "Yarrow",
    "Alder",
    "Bramble",
    "Clover",
    "Daisy",
    "Elder",
    "Flax",
    "Gorse",
    "Holly",
    "Iris",
    "Jasmine",
    "Kestrel",
    "Linden",
    "Myrtle",
    "Nettle",
    "Olive",
    "Pine",
]
AGE_BANDS = ["18-24", "25-34", "35-44", "45-54", "55-64", "65+"]
ETHNICITIES = ["White British", "Black British", "Asian British", "Mixed", "White other", "Other"]
INTERVIEWERS = ["Researcher A", "Researcher B", "Researcher C", "Researcher D"]
