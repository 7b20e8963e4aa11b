"""Small IVR flows of the tests' own (the shipped ones may grow)."""

# Greeting, one menu, two choices, goodbye; silent callers hear "cannot hear" and are hung up.
MAIN_FLOW = '''\
name: main
language: en
entry: welcome
nodes:
  welcome:
    type: play
    prompts: [welcome]
    next: menu
  menu:
    type: menu
    prompt: main_menu
    choices:
      "1": billing
      "2": fault
    max_attempts: 2
    no_match: [invalid]
    on_silence: cannot_hear
    fallback: goodbye
  billing:
    type: play
    prompts: [billing]
    next: goodbye
  fault:
    type: play
    prompts: [fault]
    next: goodbye
  goodbye:
    type: play
    prompts: [goodbye]
    barge_in: false
    next: done
  cannot_hear:
    type: play
    prompts: [cannot_hear]
    barge_in: false
    next: hangup_silent
  hangup_silent:
    type: hangup
    disposition: silent
  done:
    type: hangup
'''
